// The server's clock as seen from the page: durations of live calls are counted from the server's epoch
// timestamps, so a browser whose clock is off would show wrong durations. The offset is estimated from the
// HTTP Date header (1 s resolution) and only applied when it is larger than that resolution.

let offsetMs = 0;

export function noteServerDate(dateHeader: string | null): void {
  if (!dateHeader) return;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return;
  const diff = server + 500 - Date.now();
  offsetMs = Math.abs(diff) > 1500 ? diff : 0;
}

/** now, in the server's epoch ms */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
