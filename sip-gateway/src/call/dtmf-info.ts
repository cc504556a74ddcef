/**
 * DTMF carried in SIP INFO (the widespread pre-RFC 6086 usage): `application/dtmf-relay` bodies
 * (`Signal=5\r\nDuration=160`) and `application/dtmf` bodies (`5`). Event codes 10 and 11 (RFC 4733 §3.2 order)
 * stand for '*' and '#', as some gateways send them.
 */

export interface DtmfDigit {
  digit: string;
  durationMs: number;
}

export type DtmfInfoResult = { kind: 'digit'; value: DtmfDigit } | { kind: 'empty' } | { kind: 'unsupported' } | { kind: 'malformed' };

export const DEFAULT_DTMF_DURATION_MS = 160;
export const DTMF_CONTENT_TYPES = ['application/dtmf-relay', 'application/dtmf'];

const EVENT_DIGITS = '0123456789*#ABCD';

function toDigit(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  if (/^[0-9*#A-D]$/.test(s)) return s;
  if (/^1[0-5]$/.test(s)) return EVENT_DIGITS[Number(s)] ?? null;
  return null;
}

function duration(raw: string | undefined): number {
  const n = raw === undefined ? NaN : Number(raw.trim());
  return Number.isFinite(n) && n > 0 && n <= 10_000 ? n : DEFAULT_DTMF_DURATION_MS;
}

export function parseDtmfInfo(contentType: string | undefined, body: string | undefined): DtmfInfoResult {
  const text = (body ?? '').trim();
  if (!text) return { kind: 'empty' };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/dtmf-relay') {
    const fields = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq > 0) fields.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1));
    }
    const signal = fields.get('signal');
    const digit = signal === undefined ? null : toDigit(signal);
    if (digit === null) return { kind: 'malformed' };
    return { kind: 'digit', value: { digit, durationMs: duration(fields.get('duration')) } };
  }
  if (type === 'application/dtmf') {
    const digit = toDigit(text.split(/\r?\n/)[0] ?? '');
    if (digit === null) return { kind: 'malformed' };
    return { kind: 'digit', value: { digit, durationMs: DEFAULT_DTMF_DURATION_MS } };
  }
  return { kind: 'unsupported' };
}
