// A seeded PRNG (mulberry32) so every fuzz failure names a seed that reproduces it.

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
}

/** Seed from the environment (to replay a failure) or the fixed default. */
export function fuzzSeed(fallback: number): number {
  const env = process.env.PIPELINE_FUZZ_SEED;
  return env ? Number(env) : fallback;
}
