/**
 * The shared contract suite on MongoDB, whenever MONGODB_URI points at a server (each test uses its own
 * database, dropped afterwards). Without MONGODB_URI the suites are reported as SKIPPED with the reason —
 * never as passed. The tests at the bottom need no server (unreachable server, error mapping).
 *
 *   MONGODB_URI=mongodb://127.0.0.1:27017 node --test agent-core/dist/src/store/mongo.test.js
 */
import { describe, it as test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MongoClient, MongoNetworkError, MongoServerError } from 'mongodb';
import { registerContractSuite, T0, turn, type HarnessInstance, type IndexInfo } from './contract-suite.js';
import { StoreError } from './errors.js';
import { MONGO_INDEXES } from './mongo/indexes.js';
import { MongoConversationStore, mapError, type TransactionMode } from './mongo/mongo-store.js';
import type { StoreOptions } from './options.js';
import { OutboxRelay } from './outbox-relay.js';
import { COLLECTIONS, type ConversationStore } from './port.js';

const uri = process.env.MONGODB_URI;
const skip = uri ? undefined : 'MONGODB_URI not set: no MongoDB server to run the contract against (set it to run these; see store/README.md)';

let admin: MongoClient | undefined;
const adminClient = async (): Promise<MongoClient> => (admin ??= await new MongoClient(uri as string).connect());
after(async () => {
  await admin?.close();
});

function mongoHarness(transactions: TransactionMode): { create(options?: StoreOptions): Promise<HarnessInstance & { dbName: string }> } {
  return {
    async create(options: StoreOptions = {}) {
      const dbName = `callgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const opened: ConversationStore[] = [];
      const open = async (o: StoreOptions) => {
        const s = await MongoConversationStore.connect({ ...o, uri: uri as string, dbName, transactions });
        opened.push(s);
        return s;
      };
      const store = await open(options);
      return {
        dbName,
        store,
        reopen: (o: StoreOptions = {}) => open(o),
        async indexes() {
          const db = (await adminClient()).db(dbName);
          const out: IndexInfo[] = [];
          for (const c of COLLECTIONS) {
            for (const ix of await db.collection(c).listIndexes().toArray()) {
              if (ix.name === '_id_') continue;
              out.push({ collection: c, keys: Object.keys(ix.key as object), unique: ix.unique === true });
            }
          }
          return out;
        },
        async dispose() {
          for (const s of opened) await s.close();
          await (await adminClient()).db(dbName).dropDatabase();
        },
      };
    },
  };
}

registerContractSuite('mongodb (transactions where the server has them)', mongoHarness('auto'), skip ? { skip } : {});
registerContractSuite('mongodb (embedded outbox, no transactions)', mongoHarness('never'), skip ? { skip } : {});

describe('MongoDB adapter against a server', () => {
  const harness = mongoHarness('auto');
  const it = (title: string, fn: () => Promise<void>) => test(title, skip ? { skip } : {}, fn);

  it('listIndexes: the unique keys and a TTL index (expireAfterSeconds 0) on expiresAt in every collection', async () => {
    const h = await harness.create();
    try {
      const db = (await adminClient()).db(h.dbName);
      for (const c of COLLECTIONS) {
        const indexes = await db.collection(c).listIndexes().toArray();
        const byName = new Map(indexes.map((i) => [i.name as string, i]));
        for (const def of MONGO_INDEXES[c]) {
          const got = byName.get(def.options.name);
          assert.ok(got, `${c}: index ${def.options.name} exists`);
          assert.deepEqual(got.key, def.key, `${c}.${def.options.name} keys`);
          assert.equal(got.unique === true, def.options.unique === true, `${c}.${def.options.name} unique`);
        }
        const ttl = byName.get('ttl_expiresAt');
        assert.deepEqual(ttl?.key, { expiresAt: 1 }, `${c}: TTL on expiresAt`);
        assert.equal(ttl?.expireAfterSeconds, 0, `${c}: expireAfterSeconds 0`);
      }
      const outboxTtl = (await db.collection('outbox').listIndexes().toArray()).find((i) => i.name === 'ttl_expiresAt');
      assert.deepEqual(outboxTtl?.partialFilterExpression, { publishedAt: { $type: 'number' } }, 'pending outbox entries never expire');
      assert.equal((await db.collection('turns').listIndexes().toArray()).find((i) => i.name === 'uniq_session_seq')?.unique, true);
      assert.equal((await db.collection('tool_results').listIndexes().toArray()).find((i) => i.name === 'uniq_idempotency_key')?.unique, true);
    } finally {
      await h.dispose();
    }
  });

  it('stores expiresAt as a BSON date (TTL indexes ignore numbers) and raw text as binary ciphertext', async () => {
    const h = await harness.create({ rawTextKey: Buffer.alloc(32, 1), now: () => T0 + 1000 });
    try {
      await h.store.appendTurn(turn('s1', 1, { rawText: 'four one one one' }));
      const doc = await (await adminClient()).db(h.dbName).collection('turns').findOne({ sessionId: 's1' });
      assert.ok(doc?.expiresAt instanceof Date);
      assert.ok(doc?.rawExpiresAt instanceof Date);
      assert.ok(!JSON.stringify(doc).includes('four one one one'));
      assert.equal((await h.store.getTurns('s1'))[0]?.rawText, 'four one one one');
    } finally {
      await h.dispose();
    }
  });

  it('embedded outbox: entries left inside a turn by a crash are copied once and published', async () => {
    const h = await mongoHarness('never').create();
    try {
      const db = (await adminClient()).db(h.dbName);
      // what a crash right after the turn's insert leaves behind
      const pending = [0, 1].map((index) => ({
        id: `s1/1/${index}`,
        sessionId: 's1',
        turnSeq: 1,
        index,
        topic: 'turn',
        payload: JSON.stringify({ index }),
        createdAt: T0,
        publishedAt: null,
        attempts: 0,
        expiresAt: new Date(T0 + 1e9),
      }));
      await db.collection('turns').insertOne({ sessionId: 's1', seq: 1, turnId: 't1', at: T0, expiresAt: new Date(T0 + 1e9), pendingOutbox: pending });
      const restarted = await h.reopen();
      assert.deepEqual((await restarted.listPendingOutbox(10)).map((e) => e.id), ['s1/1/0', 's1/1/1']);
      assert.deepEqual((await restarted.listPendingOutbox(10)).map((e) => e.id), ['s1/1/0', 's1/1/1'], 'a second sweep copies nothing twice');
      assert.equal(await db.collection('outbox').countDocuments(), 2);
      assert.equal((await db.collection('turns').findOne({ sessionId: 's1' }))?.pendingOutbox, undefined);
      const got: string[] = [];
      await new OutboxRelay(restarted, { publish: async (e) => void got.push(e.id) }).drain();
      assert.deepEqual(got, ['s1/1/0', 's1/1/1']);
      // a retry of the same turn after the crash: no duplicate
      assert.equal((await restarted.appendTurn(turn('s1', 1, { turnId: 't1' }), [{ topic: 'turn', payload: 0 }, { topic: 'turn', payload: 1 }])).inserted, false);
      assert.equal(await db.collection('outbox').countDocuments(), 2);
    } finally {
      await h.dispose();
    }
  });
});

describe('MongoDB adapter without a server', () => {
  const it = test;
  it('an unreachable server rejects connect with a clear StoreError (unavailable)', async () => {
    await assert.rejects(
      MongoConversationStore.connect({ uri: 'mongodb://127.0.0.1:9/?directConnection=true', dbName: 'x', clientOptions: { serverSelectionTimeoutMS: 200, connectTimeoutMS: 200 } }),
      (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.code, 'unavailable');
        assert.match(err.message, /^store: connect: MongoDB unreachable/);
        return true;
      },
    );
  });

  it('needs a uri or a client', async () => {
    await assert.rejects(MongoConversationStore.connect({}), /uri or a client/);
  });

  it('maps driver errors: a dropped connection is unavailable, a duplicate key a conflict, others write_failed', () => {
    assert.equal(mapError('appendTurn', 'write', new MongoNetworkError('connection reset')).code, 'unavailable');
    const dup = new MongoServerError({ message: 'E11000 duplicate key', code: 11000 });
    assert.equal(mapError('appendTurn', 'write', dup).code, 'conflict');
    const other = mapError('appendTurn', 'write', new MongoServerError({ message: 'disk full', code: 14031 }));
    assert.equal(other.code, 'write_failed');
    assert.match(other.message, /appendTurn: MongoDB: disk full/);
    assert.ok(other.cause instanceof MongoServerError);
  });
});
