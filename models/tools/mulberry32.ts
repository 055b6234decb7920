/**
 * mulberry32: a seeded generator of integer arithmetic only, so it draws the
 * same numbers on every machine and runtime (Node, workerd). Values in [0, 1).
 * Used where a draw must be reproducible: generated test graphs, the fuzzer,
 * calibration tests.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
