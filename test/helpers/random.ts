// A small deterministic generator (xorshift32) for the randomised tests, so a failure names its seed.
export function generator(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
