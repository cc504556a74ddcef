// Number, time and duration formatting, and the display thresholds used to colour quality cells.

export const DASH = '—';

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

/** "0:42", "12:05", "1:02:03" */
export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return DASH;
  const total = Math.max(0, Math.floor(ms / 1000));
  const s = total % 60;
  const m = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  const ss = String(s).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? DASH : `${Math.round(ms)} ms`;
}

export function fmtMos(mos: number | null): string {
  return mos === null ? DASH : mos.toFixed(2);
}

/** loss is a fraction 0..1 */
export function fmtLoss(loss: number | null): string {
  if (loss === null) return DASH;
  const pct = loss * 100;
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)}%`;
}

export function fmtTime(epochMs: number | null): string {
  return epochMs === null ? DASH : timeFmt.format(epochMs);
}

export function fmtDateTime(epochMs: number | null): string {
  return epochMs === null ? DASH : dateTimeFmt.format(epochMs);
}

/** "4 s", "3 min", "2 h" */
export function fmtSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

export function fmtAgo(ms: number): string {
  return `${fmtSpan(ms)} ago`;
}

const ACRONYMS: Record<string, string> = { mos: 'MOS', stt: 'STT', tts: 'TTS', rtp: 'RTP', llm: 'LLM', dtmf: 'DTMF', id: 'ID', pii: 'PII', sip: 'SIP' };
/** words that stay as written, even first */
const VERBATIM = /^(v2v|p\d+|ms)$/;

/** camelCase / snake_case key → "Camel case", with the domain's acronyms: "mosAvg" → "MOS avg" */
export function humanizeKey(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim().toLowerCase().split(/\s+/).map((w) => ACRONYMS[w] ?? w);
  const first = words[0] ?? '';
  if (!VERBATIM.test(first) && first === first.toLowerCase()) words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

export type Level = 'ok' | 'warn' | 'bad' | 'none';

// Display hints only (cell colours); the SLOs that count are the server's, shown on the System page.
export function mosLevel(mos: number | null): Level {
  if (mos === null) return 'none';
  return mos < 3.1 ? 'bad' : mos < 3.6 ? 'warn' : 'ok';
}

export function jitterLevel(ms: number | null): Level {
  if (ms === null) return 'none';
  return ms > 60 ? 'bad' : ms > 30 ? 'warn' : 'ok';
}

export function lossLevel(loss: number | null): Level {
  if (loss === null) return 'none';
  return loss > 0.05 ? 'bad' : loss > 0.02 ? 'warn' : 'ok';
}

export function v2vLevel(ms: number | null): Level {
  if (ms === null) return 'none';
  return ms > 2500 ? 'bad' : ms > 1500 ? 'warn' : 'ok';
}
