import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { registerContractSuite, RAW_KEY, T0, turn, type HarnessInstance, type IndexInfo } from './contract-suite.js';
import { StoreError } from './errors.js';
import type { StoreOptions } from './options.js';
import type { ConversationStore } from './port.js';
import { SqliteConversationStore } from './sqlite/sqlite-store.js';
import { COLLECTIONS } from './port.js';

const root = mkdtempSync(join(tmpdir(), 'callgate-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

async function createSqlite(options: StoreOptions = {}): Promise<HarnessInstance & { path: string }> {
  const path = join(root, `db-${++n}`, 'conversations.sqlite');
  const opened: ConversationStore[] = [];
  const store = SqliteConversationStore.open({ ...options, path });
  opened.push(store);
  return {
    path,
    store,
    async reopen(o: StoreOptions = {}) {
      const s = SqliteConversationStore.open({ ...o, path });
      opened.push(s);
      return s;
    },
    async indexes() {
      const db = new Database(path, { readonly: true });
      try {
        const out: IndexInfo[] = [];
        for (const table of COLLECTIONS) {
          for (const idx of db.pragma(`index_list(${table})`) as { name: string; unique: number }[]) {
            const cols = (db.pragma(`index_info(${idx.name})`) as { seqno: number; name: string }[]).sort((a, b) => a.seqno - b.seqno);
            out.push({ collection: table, keys: cols.map((c) => camel(c.name)), unique: idx.unique === 1 });
          }
        }
        return out;
      } finally {
        db.close();
      }
    },
    async dispose() {
      for (const s of opened) await s.close();
    },
  };
}

registerContractSuite('sqlite', { create: createSqlite });

describe('SQLite adapter', () => {
  it('opens the file in WAL mode with synchronous=FULL, creating its folder', async () => {
    const h = await createSqlite();
    try {
      assert.ok(existsSync(h.path));
      const db = (h.store as SqliteConversationStore).connection;
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
      assert.equal(db.pragma('user_version', { simple: true }), 1);
    } finally {
      await h.dispose();
    }
  });

  it('keeps raw text only as ciphertext on disk (file and WAL)', async () => {
    const h = await createSqlite({ rawTextKey: RAW_KEY, now: () => T0 });
    try {
      const secret = 'my card is 4111 1111 1111 1111';
      await h.store.appendTurn(turn('s1', 1, { callerText: 'my card is [CARD_NUMBER]', rawText: secret }));
      assert.equal((await h.store.getTurns('s1'))[0]?.rawText, secret);
      const onDisk = () => Buffer.concat([readFileSync(h.path), existsSync(`${h.path}-wal`) ? readFileSync(`${h.path}-wal`) : Buffer.alloc(0)]);
      assert.ok(onDisk().includes('my card is [CARD_NUMBER]'), 'the redacted text is on disk (the check can see text)');
      assert.ok(!onDisk().includes(secret), 'the raw text is not');
      assert.ok(!onDisk().includes('4111'), 'not even a part of it');
      const db = (h.store as SqliteConversationStore).connection;
      const row = db.prepare('SELECT raw_text FROM turns').get() as { raw_text: Buffer };
      assert.equal(row.raw_text[0], 1, 'version byte');
      assert.equal(row.raw_text.length, 1 + 12 + 16 + Buffer.byteLength(secret));
    } finally {
      await h.dispose();
    }
  });

  it('a write that fails (database locked by another process) rejects, stores nothing, and succeeds when retried', async () => {
    const h = await createSqlite();
    const other = new Database(h.path);
    try {
      (h.store as SqliteConversationStore).connection.pragma('busy_timeout = 0');
      other.prepare('BEGIN IMMEDIATE').run();
      await assert.rejects(h.store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }]), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'write_failed');
        assert.match(err.message, /appendTurn.*locked/);
        return true;
      });
      other.prepare('ROLLBACK').run();
      assert.deepEqual(await h.store.getTurns('s1'), []);
      assert.deepEqual(await h.store.listPendingOutbox(10), []);
      assert.equal((await h.store.appendTurn(turn('s1', 1), [{ topic: 'a', payload: 1 }])).inserted, true);
      assert.equal((await h.store.listPendingOutbox(10)).length, 1);
    } finally {
      other.close();
      await h.dispose();
    }
  });

  it('refuses a file written by a newer schema version', async () => {
    const h = await createSqlite();
    await h.dispose();
    const db = new Database(h.path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => SqliteConversationStore.open({ path: h.path }), /schema version 99.*up to 1/);
  });

  it('refuses a raw-text key that is not 32 bytes and a retention that lets records outlive their session', () => {
    assert.throws(() => SqliteConversationStore.open({ path: join(root, 'bad-key.sqlite'), rawTextKey: Buffer.alloc(16) }), /32 bytes/);
    assert.throws(() => SqliteConversationStore.open({ path: join(root, 'bad-ret.sqlite'), retention: { turns: 1e12 } }), /turns .* must not outlast sessions/);
    assert.throws(() => SqliteConversationStore.open({ path: join(root, 'bad-ret.sqlite'), retention: { audit: -1 } }), /audit must be a positive/);
  });

  it('purges in batches: more expired rows than one batch all go', async () => {
    const h = await createSqlite();
    try {
      const db = (h.store as SqliteConversationStore).connection;
      const insert = db.prepare('INSERT INTO llm_tokens (session_id, turn_id, seq, text, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
      db.transaction(() => {
        for (let i = 0; i < 12_001; i++) insert.run('s1', 't1', i, 'x', T0, T0 + 1);
        insert.run('s1', 't1', 99_999, 'kept', T0, T0 + 10);
      })();
      const counts = await h.store.purgeExpired(T0 + 1);
      assert.equal(counts.llm_tokens, 12_001);
      assert.deepEqual((await h.store.getLlmTokens('s1')).map((t) => t.text), ['kept']);
    } finally {
      await h.dispose();
    }
  });
});
