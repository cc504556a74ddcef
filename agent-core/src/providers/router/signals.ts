/** Small AbortSignal plumbing shared by the routers (internal). */

/** aborts `child` (with the parent's reason) when `parent` aborts; returns a function that stops following */
export function follow(parent: AbortSignal, child: AbortController): () => void {
  if (parent.aborted) {
    child.abort(parent.reason);
    return () => {};
  }
  const onAbort = () => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as `signal` aborts, even when whatever
 * produces `promise` ignores the signal. A later settlement of `promise` is absorbed (no unhandled rejection).
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** asks an iterator to finish, in the background, ignoring whatever it says or throws */
export function closeIterator(iterator: AsyncIterator<unknown> | undefined): void {
  if (!iterator?.return) return;
  Promise.resolve()
    .then(() => iterator.return?.())
    .catch(() => {});
}
