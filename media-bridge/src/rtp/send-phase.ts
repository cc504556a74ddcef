/**
 * Which half of the pacer's tick a call sends on. The caller's packets arrive at some phase of our 20 ms clock;
 * the end of the caller's turn is decided on one of them, and the answer is ready a few ms later. Sending on the
 * half that comes first after that keeps the wait for the next send to about half a period plus the allowance,
 * where a single send phase would make it anything up to a whole period depending on the call.
 */

/**
 * From a caller's packet to our answer being ready to send: the end-of-turn decision and agent-core's reply when
 * it has the answer ready (fake providers, or a reply prepared from the partial transcripts). Measured with
 * agent-core on the same host: 1–5 ms for one call, up to about 8 ms at 50 (`npm run bench -- agent`); an
 * answer later than this waits a whole period more, one earlier waits at most half a period.
 */
export const ANSWER_ALLOWANCE_MS = 8;

/** within this much of a boundary between the halves, a call keeps the half it has (no flapping on jitter) */
export const HYSTERESIS_MS = 1;

/**
 * true when the tick's second half (`offsetMs` after each deadline) is the first send after an answer to a
 * packet that arrived `sinceTickMs` after a tick's deadline; false for the deadline itself (or when there is
 * no second half). With `current` (the half the call sends on now), a packet within HYSTERESIS_MS of the
 * boundary keeps it.
 */
export function sendsOnSecondHalf(sinceTickMs: number, periodMs: number, offsetMs: number, current?: boolean, allowanceMs = ANSWER_ALLOWANCE_MS): boolean {
  if (offsetMs <= 0 || !Number.isFinite(sinceTickMs)) return false;
  const readyAt = (((sinceTickMs + allowanceMs) % periodMs) + periodMs) % periodMs;
  const nearBoundary = Math.abs(readyAt - offsetMs) < HYSTERESIS_MS || readyAt < HYSTERESIS_MS || periodMs - readyAt < HYSTERESIS_MS;
  if (current !== undefined && nearBoundary) return current;
  return readyAt <= offsetMs;
}
