/** CSeq header values (RFC 3261 §20.16): a 32-bit unsigned sequence number and a method. Never throws. */

export interface CSeq {
  seq: number;
  method: string;
}

const CSEQ_RE = /^[ \t]*([0-9]{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*$/;

export const MAX_CSEQ = 0xffffffff;

/** parse `4711 INVITE`; undefined for a non-numeric or out-of-range number or a missing method */
export function parseCSeq(input: string): CSeq | undefined {
  if (typeof input !== 'string') return undefined;
  const m = CSEQ_RE.exec(input);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  const seq = Number(m[1]);
  if (!Number.isSafeInteger(seq) || seq > MAX_CSEQ) return undefined;
  return { seq, method: m[2] };
}

export function formatCSeq(cseq: CSeq): string {
  return `${String(cseq.seq)} ${cseq.method}`;
}
