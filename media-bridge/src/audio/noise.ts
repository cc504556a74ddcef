/** Deterministic noise for benches and tests: a seeded xorshift32 generator. */

/** A generator of uniform values in [−0.5, 0.5), the same sequence for the same seed. */
export function seededUniform(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000 - 0.5;
  };
}
