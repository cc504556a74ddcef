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

  it('200 live calls: the list stays virtualized and keeps up; a held SLO breach turns the panel red', async (t) => {
    const pub = new Redis({ host: '127.0.0.1', port: ports.redis });
    const N = 200;
    const now = Date.now();
    const seqs = new Map<string, number>();
    const publish = (id: string, e: Record<string, unknown>) => {
      const seq = (seqs.get(id) ?? 0) + 1;
      seqs.set(id, seq);
      return pub.publish(LIVE_EVENTS_CHANNEL, JSON.stringify({ v: 1, sessionId: id, seq, at: Date.now(), ...e }));
    };
    const ids = Array.from({ length: N }, (_, i) => `load-${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((id, i) => publish(id, { type: 'call_started', agent: 'front-desk', callId: `c-${id}`, from: '********0000', to: `sip:${2000 + i}@127.0.0.1`, at: now })));
    await login('supervisor');
    await page.locator('[data-testid=nav-live]').click();
    await page.locator('[data-testid=live-count]').filter({ hasText: String(N) }).waitFor({ timeout: 10_000 });
    // frame times while every call reports quality and a turn twice a second
    // (page-side code as text: this file is compiled without the DOM library)
    await page.evaluate(`(() => {
      window.frames_ = [];
      let last = performance.now();
      const tick = (ts) => { window.frames_.push(ts - last); last = ts; if (window.frames_.length < 100000) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    for (let round = 0; round < 10; round++) {
      await Promise.all(ids.map((id) => publish(id, { type: 'quality', mos: 3.5 + Math.random(), jitterMs: Math.random() * 20, lossPct: Math.random() })));
      await Promise.all(ids.map((id) => publish(id, { type: 'turn_timing', turnId: `t${round}`, sttFirstPartialMs: 300, sttFinalMs: 80, firstTokenMs: 90, firstAudioMs: 200, firstRtpOutMs: 4000 + round, bargeInMs: null, playbackStoppedMs: null, filler: false })));
      await page.waitForTimeout(500);
    }
    const frames = ((await page.evaluate('window.frames_')) as number[]).slice(1).sort((a, b) => a - b);
    const p95 = frames[Math.floor(frames.length * 0.95)] ?? NaN;
    t.diagnostic(`200 calls, 4000 events in 5 s: ${frames.length} frames, p50 ${frames[Math.floor(frames.length / 2)]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, longest ${frames.at(-1)?.toFixed(1)} ms`);
    const domRows = await page.locator('[data-testid=call-row]').count();
    assert.ok(domRows > 0 && domRows < 80, `virtualized: ${domRows} row elements for ${N} calls`);
    const mos = await page.locator('[data-testid=call-row] [data-testid=mos]').first().textContent();
    assert.match(mos ?? '', /\d\.\d/, 'rows show the latest quality');
    await shot('06-live-200-calls');

    await page.locator('[data-testid=nav-system]').click();
    await page.locator('[data-testid=slo-row][data-slo=turn_latency][data-breached=true]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-testid=active-calls]').filter({ hasText: String(N) }).count(), 1);
    await shot('07-system-slo-breached');
    const metrics = await (await fetch(app.metricsUrl)).text();
    assert.match(metrics, /callgate_slo_breached\{slo="turn_latency"\} 1/);
    await Promise.all(ids.map((id) => publish(id, { type: 'call_ended', reason: 'load test over', turns: 10 })));
    pub.disconnect();
    await page.locator('[data-testid=logout]').click();
    await page.locator('#username').waitFor();
  });

  it('the admin sees the audit trail of who opened which transcript', async () => {
    await login('admin');
    await page.locator('[data-testid=nav-audit]').click();
    const rows = page.locator('text=transcript_viewed');
    await rows.first().waitFor({ timeout: 10_000 });
    assert.ok((await page.locator('body').textContent())?.includes('supervisor'));
    await shot('08-audit');
  });
});
