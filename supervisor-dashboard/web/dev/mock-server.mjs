// Dev aid only, not part of the appliance: a throwaway stand-in for the dashboard server that speaks the API
// in ../../src/api/types.ts with made-up calls, so the page can be worked on (and load-tested with hundreds of
// live calls) without Redis, SIP or the store. Build the page first (scripts/setup.sh or vite build), then:
//   node supervisor-dashboard/web/dev/mock-server.mjs        → http://127.0.0.1:8081  (admin/admin, super/super)
// Env: PORT (8081), MOCK_CALLS (200 live calls). Or run Vite's dev server against it:
//   CALLGATE_DASHBOARD_URL=http://127.0.0.1:8081 npx vite --config supervisor-dashboard/web/vite.config.ts
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const PORT = Number(process.env.PORT ?? 8081);
const N = Number(process.env.MOCK_CALLS ?? 200);
const WEB = fileURLToPath(new URL('../../dist/web/', import.meta.url));
const USERS = { admin: { password: 'admin', role: 'admin' }, super: { password: 'super', role: 'supervisor' } };
const sessions = new Map(); // token → Me
const audit = [];
const pick = (a) => a[Math.floor(Math.random() * a.length)];
const rnd = (lo, hi) => lo + Math.random() * (hi - lo);
const STATES = ['listening', 'caller-speaking', 'agent-speaking', 'tool'];
const SAYS = [
  ['caller', 'I would like to book an appointment for Tuesday'], ['agent', 'Sure. What time on Tuesday suits you?'],
  ['caller', 'My card number is [CARD_NUMBER] and my name is [NAME]'], ['agent', 'Thanks, I have noted that. Anything else?'],
  ['caller', '<img src=x onerror=alert(1)> is not HTML here'], ['agent', 'We are open from eight to six, Monday to Friday.'],
];

let seq = 0;
function newCall(now = Date.now()) {
  const id = `mock-${(++seq).toString(36)}-${randomBytes(3).toString('hex')}`;
  return {
    row: { sessionId: id, caller: `+1 212 ••• ••${String(seq % 100).padStart(2, '0')}`, dialed: pick(['1000', '1001', '2000']),
      agent: pick(['front-desk', 'demo', 'billing']), state: 'ringing', startedAt: now - rnd(0, 600_000), endedAt: null,
      endReason: null, turns: 0, mos: null, jitterMs: null, loss: null, lastV2vMs: null },
    transcript: [], turns: [], tools: [], quality: [], bargeIns: [],
  };
}
const calls = Array.from({ length: N }, () => newCall());
const ended = [];

function step(c, now) {
  const r = c.row;
  r.state = pick(STATES);
  r.mos = +rnd(2.9, 4.4).toFixed(2); r.jitterMs = Math.round(rnd(2, 70)); r.loss = +rnd(0, 0.07).toFixed(3);
  c.quality.push({ at: now, mos: r.mos, jitterMs: r.jitterMs, loss: r.loss });
  if (c.quality.length > 120) c.quality.shift();
  const last = c.transcript[c.transcript.length - 1];
  if (last && !last.final) { last.final = true; return; }
  const [speaker, text] = SAYS[c.transcript.length % SAYS.length];
  const turnId = `t${Math.floor(c.transcript.length / 2) + 1}`;
  const barge = speaker === 'agent' && Math.random() < 0.25;
  c.transcript.push({ turnId, speaker, text: speaker === 'caller' ? text.slice(0, 12) : text, final: speaker === 'agent', interrupted: barge, dtmf: false, at: now });
  if (speaker === 'caller') setTimeout(() => { const l = c.transcript.find((x) => x.turnId === turnId && x.speaker === 'caller'); if (l) l.text = text; }, 400);
  if (speaker !== 'agent') return;
  const stt = rnd(120, 300), tok = stt + rnd(150, 600), audio = tok + rnd(100, 300), rtp = audio + rnd(20, 60);
  c.turns.push({ turnId, at: now, sttFirstPartialMs: -rnd(400, 900), sttFinalMs: stt, firstTokenMs: tok, firstAudioMs: audio,
    firstRtpOutMs: rtp, bargeInMs: barge ? rnd(80, 250) : null, playbackStoppedMs: null, filler: tok > 700 });
  if (barge) c.bargeIns.push({ turnId, heardMs: Math.round(rnd(300, 2000)), at: now });
  if (Math.random() < 0.3) c.tools.push({ turnId, tool: pick(['book_appointment', 'lookup_hours']), status: pick(['ok', 'ok', 'failed']), ms: Math.round(rnd(40, 900)), error: null, at: now });
  r.turns = c.turns.length; r.lastV2vMs = Math.round(rtp);
}

const slo = [['turn_latency', 'Turn latency', 1200], ['barge_in', 'Barge-in', 300], ['stt_first_partial', 'STT first partial', 500],
  ['first_token', 'First token', 800], ['first_audio', 'First audio', 1000]].map(([name, label, targetMs]) => ({ name, label, targetMs, p95Ms: null, samples: 0, over: false, breached: false, overSince: null }));
function system(now) {
  for (const s of slo) {
    s.samples += 7; s.p95Ms = Math.round(s.targetMs * rnd(0.7, 1.15));
    if (s.p95Ms > s.targetMs) { s.overSince ??= now; s.over = true; s.breached = now - s.overSince > 10_000; } else Object.assign(s, { over: false, breached: false, overSince: null });
  }
  return { activeCalls: calls.length, slo, at: now,
    queues: [{ name: 'realtime', waiting: Math.round(rnd(0, 4)), active: 3, delayed: 0, failed: 0, lagMs: Math.round(rnd(0, 80)) },
      { name: 'batch', waiting: Math.round(rnd(0, 40)), active: 1, delayed: 2, failed: 1, lagMs: Math.round(rnd(0, 9000)), yielding: calls.length > 150 }],
    providers: [{ stage: 'stt', provider: 'pocketsphinx', state: 'closed', detail: null, at: now - 60_000 },
      { stage: 'dialogue', provider: 'flow', state: pick(['closed', 'half-open']), detail: null, at: now - 5_000 },
      { stage: 'tts', provider: 'flite', state: 'closed', detail: null, at: now - 60_000 }],
    errors: [{ at: now - 30_000, source: 'agent-core', message: 'tts timeout after 1500 ms; used fallback', sessionId: calls[0]?.row.sessionId ?? null }] };
}

setInterval(() => {
  const now = Date.now();
  for (const c of calls) if (Math.random() < 0.5) step(c, now);
  if (Math.random() < 0.3) { // one call hangs up, another comes in
    const c = calls.splice(Math.floor(rnd(0, calls.length)), 1)[0];
    Object.assign(c.row, { state: 'ended', endedAt: now, endReason: 'caller-hangup' });
    ended.unshift(c); ended.length = Math.min(ended.length, 300);
    calls.push(newCall(now));
  }
}, 1000);

const me = (req) => sessions.get(/(?:^|;\s*)cg_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]);
const find = (id) => calls.find((c) => c.row.sessionId === id) ?? ended.find((c) => c.row.sessionId === id);
const histRow = (c) => ({ ...c.row, outcome: c.row.endReason ?? null, durationMs: c.row.endedAt ? c.row.endedAt - c.row.startedAt : null });
function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}
async function body(req) { let s = ''; for await (const chunk of req) s += chunk; return s ? JSON.parse(s) : {}; }

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (!p.startsWith('/api/')) {
    const file = normalize(join(WEB, p === '/' ? 'index.html' : p));
    if (!file.startsWith(WEB)) return send(res, 404, { error: 'not found' });
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }[extname(file)] ?? 'application/octet-stream';
    return readFile(file).then((b) => { res.writeHead(200, { 'content-type': type }); res.end(b); }, () => send(res, 404, { error: 'not found' }));
  }
  if (p === '/api/login' && req.method === 'POST') {
    const { username, password } = await body(req);
    const u = USERS[username];
    if (!u || u.password !== password) return send(res, 401, { error: 'wrong username or password' });
    const token = randomBytes(16).toString('hex');
    sessions.set(token, { username, role: u.role, csrf: randomBytes(16).toString('hex') });
    return send(res, 200, sessions.get(token), { 'set-cookie': `cg_session=${token}; HttpOnly; SameSite=Strict; Path=/` });
  }
  const user = me(req);
  if (!user) return send(res, 401, { error: 'sign in' });
  if (req.method === 'POST' && req.headers['x-csrf-token'] !== user.csrf) return send(res, 403, { error: 'bad csrf token' });
  const id = decodeURIComponent(p.split('/')[3] ?? '');
  if (p === '/api/logout') { sessions.forEach((v, k) => v === user && sessions.delete(k)); return send(res, 204); }
  if (p === '/api/me') return send(res, 200, user);
  if (p === '/api/calls') return send(res, 200, { calls: calls.map((c) => c.row) });
  if (p.startsWith('/api/calls/')) { const c = calls.find((x) => x.row.sessionId === id); return c ? send(res, 200, c) : send(res, 404, { error: 'not live' }); }
  if (p === '/api/system') return send(res, 200, system(Date.now()));
  if (p === '/api/history') {
    const num = url.searchParams.get('number') ?? '', out = url.searchParams.get('outcome') ?? '';
    const rows = ended.filter((c) => c.row.caller.replace(/\D/g, '').includes(num) && (!out || c.row.endReason === out));
    return send(res, 200, { calls: rows.slice(0, Number(url.searchParams.get('limit') ?? 100)).map(histRow) });
  }
  if (p.startsWith('/api/history/')) {
    const c = find(id);
    if (!c) return send(res, 404, { error: 'no such call' });
    audit.unshift({ at: Date.now(), actor: user.username, action: 'transcript.open', target: id });
    return send(res, 200, { call: histRow(c), transcript: c.transcript, summary: 'Caller booked an appointment for Tuesday.',
      analytics: { talkListenRatio: 0.82, interruptions: c.bargeIns.length, latency: { v2vP50Ms: 640, v2vP95Ms: 1180 }, toolSuccess: 1, mos: { avg: 4.1, min: 3.4 } } });
  }
  if (p === '/api/admin/audit') return user.role === 'admin' ? send(res, 200, { records: audit.slice(0, 200) }) : send(res, 403, { error: 'admins only' });
  send(res, 404, { error: 'not found' });
});

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://x').pathname !== '/api/live' || !me(req)) { socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n'); return; }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const subs = new Map();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      const key = m.topic === 'call' ? `call:${m.sessionId}` : m.topic;
      if (m.type === 'subscribe') subs.set(key, m); else subs.delete(key);
    });
    const timer = setInterval(() => {
      if (ws.bufferedAmount > 1 << 20) return; // backed up: skip this flush
      for (const [key, m] of subs) {
        const c = m.topic === 'call' ? find(m.sessionId) : null;
        if (m.topic === 'call' && !c) subs.delete(key);
        const msg = m.topic === 'calls' ? { type: 'calls', calls: calls.map((x) => x.row) }
          : m.topic === 'system' ? { type: 'system', system: system(Date.now()) }
            : c ? { type: 'call', detail: c } : { type: 'error', message: `no live call ${m.sessionId}` };
        ws.send(JSON.stringify({ v: 1, ...msg }));
      }
    }, 500);
    ws.on('close', () => clearInterval(timer));
  });
});
server.listen(PORT, '127.0.0.1', () => console.log(`mock dashboard on http://127.0.0.1:${PORT} (admin/admin, super/super), ${N} calls`));
