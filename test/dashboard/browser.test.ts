/**
 * The supervisor dashboard in a real browser (Debian's Chromium, headless, driven by playwright-core) against a
 * running appliance on the embedded providers: a supervisor logs in, a call placed by `npm run call` appears
 * live, its transcript grows with the caller's card number shown redacted, latency and quality numbers show,
 * the call is in history after hang-up with its summary, the supervisor logs out; the admin sees the audit trail
 * that the supervisor's viewing left. Screenshots go to test-results/dashboard/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LIVE_EVENTS_CHANNEL, parseLiveEvent } from '@callgate/contracts';
import { Appliance } from '../sipp/harness/appliance.js';
import { portPlan } from '../sipp/harness/ports.js';
import { repoRoot } from '../sipp/harness/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const ports = portPlan(12);
const shots = join(repoRoot, 'test-results', 'dashboard');
const CARD_FORMS = [/4111\D?1111/, /four one one one/i, /one one one one one/i];

describe('supervisor dashboard in a browser', { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)` }, () => {
  let app: Appliance;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let base: string;
  let caller: ChildProcess | undefined;
  let callerOut = '';
  let redis: Redis;
  let answeredAt: number | undefined;

  before(async () => {
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'callgate-dash-browser-'));
    app = await Appliance.start({ ports, agentCore: { dataDir }, dashboard: true });
    base = `http://127.0.0.1:${ports.dashboard}`;
    redis = new Redis({ host: '127.0.0.1', port: ports.redis });
    await redis.subscribe(LIVE_EVENTS_CHANNEL);
    redis.on('message', (_c: string, text: string) => {
      const e = parseLiveEvent(JSON.parse(text));
      if (e.ok && e.value.type === 'call_started') answeredAt ??= e.value.at;
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  });

  after(async () => {
    caller?.kill('SIGKILL');
    await browser?.close();
    redis?.disconnect();
    const code = await app?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, app?.logTail());
  });

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  async function login(username: string) {
    await page.goto(base + '/');
    await page.locator('#username').fill(username);
    await page.locator('#password').fill('callgate');
    await page.locator('button[type=submit]').click();
    await page.locator('[data-testid=whoami]').filter({ hasText: username }).waitFor({ timeout: 10_000 });
  }

  it('refuses a wrong password on the page', async () => {
    await page.goto(base + '/');
    await page.locator('#username').fill('supervisor');
    await page.locator('#password').fill('wrong password');
    await page.locator('button[type=submit]').click();
    await page.locator('[data-testid=login-error]').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('01-login-refused');
  });

  it('a supervisor watches a call from npm run call live: row, redacted transcript, latency and quality', async (t) => {
    await login('supervisor');
    assert.equal(await page.locator('[data-testid=nav-audit]').count(), 0, 'no admin navigation for a supervisor');
    await page.locator('[data-testid=nav-live]').click();
    await page.locator('[data-testid=live-calls]').waitFor();
    const out = join(dataDir, 'call');
    // `npm run call` itself (the compiled script), against this appliance's config
    caller = spawn(process.execPath, [join(repoRoot, 'dist/test/sipp/call.js'), '--config', app.configPath, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    caller.stdout!.on('data', (d: Buffer) => (callerOut += d.toString()));
    caller.stderr!.on('data', (d: Buffer) => (callerOut += d.toString()));
    const callerDone = new Promise<number>((resolve) => caller!.on('exit', (code) => resolve(code ?? -1)));

    const row = page.locator('[data-testid=call-row]').first();
    await row.waitFor({ timeout: 30_000 });
    const seenAt = Date.now();
    if (answeredAt) t.diagnostic(`call row visible ${seenAt - answeredAt} ms after the call was answered (call_started)`);
    assert.ok(answeredAt === undefined || seenAt - answeredAt < 2000, 'the call shows within about a second of answer');
    const sessionId = (await row.getAttribute('data-session-id'))!;
    assert.ok(sessionId);
    await shot('02-live-calls');

    await row.click();
    const detail = page.locator('[data-testid=call-detail]');
    await detail.waitFor();
    const card = page.locator('[data-testid=transcript] .line', { hasText: '[CARD_NUMBER]' });
    await card.first().waitFor({ timeout: 150_000 });
    const lines = await page.locator('[data-testid=transcript] .line').allTextContents();
    assert.ok(lines.length >= 4, `the transcript grew: ${lines.length} lines`);
    for (const form of CARD_FORMS) assert.ok(!lines.some((l) => form.test(l)), `no card number on the page: ${lines.join(' | ')}`);
    const latency = await page.locator('[data-testid=turn-latency]').first().textContent();
    assert.match(latency ?? '', /\d+\s*ms/);
    const quality = await page.locator('[data-testid=quality-now]').textContent();
    assert.match(quality ?? '', /\d\.\d/, `a MOS number: ${quality}`);
    await shot('03-call-detail');

    const code = await callerDone;
    assert.equal(code, 0, callerOut.slice(-3000));
    const body = await page.locator('body').textContent();
    for (const form of CARD_FORMS) assert.ok(!form.test(body ?? ''), 'no card number anywhere on the page');

    // after hang-up: history, with the post-call summary once the batch flow has run
    await page.locator('[data-testid=nav-history]').click();
    const found = page.locator(`[data-testid=history-row][data-session-id="${sessionId}"]`);
    for (let i = 0; i < 40 && (await found.count()) === 0; i++) {
      await page.locator('[data-testid=history-search]').click();
      await page.waitForTimeout(500);
    }
    await found.click();
    await page.locator('[data-testid=history-transcript] .line', { hasText: '[CARD_NUMBER]' }).first().waitFor({ timeout: 10_000 });
    for (let i = 0; i < 60 && !/\w/.test((await page.locator('[data-testid=summary]').textContent()) ?? ''); i++) {
      await page.waitForTimeout(500);
      await page.reload();
      await page.locator('[data-testid=history-transcript]').waitFor();
    }
    assert.match((await page.locator('[data-testid=summary]').textContent()) ?? '', /\w{3,}/, 'the post-call summary');
    await shot('04-history');

    await page.locator('[data-testid=logout]').click();
    await page.locator('#username').waitFor();
    const me = await page.request.get(base + '/api/me');
    assert.equal(me.status(), 401, 'the session ended with the logout');
    await shot('05-logged-out');
  });

  it('the admin sees the audit trail of who opened which transcript', async () => {
    await login('admin');
    await page.locator('[data-testid=nav-audit]').click();
    const rows = page.locator('text=transcript_viewed');
    await rows.first().waitFor({ timeout: 10_000 });
    assert.ok((await page.locator('body').textContent())?.includes('supervisor'));
    await shot('06-audit');
  });
});
