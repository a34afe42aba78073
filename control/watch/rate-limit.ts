// Token buckets: `burst` at once, then `perSecond`. One bucket per key (a client address) in a
// map of bounded size, so a flood from many addresses cannot grow it without end: past
// `maxKeys`, full buckets are forgotten (they hold nothing a new one wouldn't), and if none is,
// new keys share one overflow bucket.
export interface RateLimit {
  burst: number;
  perSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = limit.burst;
    this.at = now();
  }

  /** Takes a token; false when there is none (the caller refuses). */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  get full(): boolean {
    this.refill();
    return this.tokens >= this.limit.burst;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.at) / 1000) * this.limit.perSecond);
    this.at = now;
  }
}

const OVERFLOW = "\0overflow";

export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweptAt = -Infinity;

  constructor(
    private readonly limit: RateLimit,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.forgetFull();
      if (this.buckets.size >= this.maxKeys) key = OVERFLOW;
      bucket = this.buckets.get(key) ?? new TokenBucket(this.limit, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  get size(): number {
    return this.buckets.size;
  }

  /** At most once a second: under a flood of new addresses the scan must not run per request. */
  private forgetFull(): void {
    if (this.now() - this.sweptAt < 1000) return;
    this.sweptAt = this.now();
    for (const [key, bucket] of this.buckets) if (bucket.full) this.buckets.delete(key);
  }
}

/** The key of a client address: IPv6 clients by their /64, since one host may hold all of it. */
export function addressKey(address: string | undefined): string {
  if (!address) return "unknown";
  if (!address.includes(":") || address.startsWith("::ffff:")) return address.replace(/^::ffff:/, "");
  const groups = expandIPv6(address);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : address;
}

function expandIPv6(address: string): string[] | null {
  const [head, tail = null] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === null ? [] : tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  return [...left, ...Array<string>(missing).fill("0"), ...right];
}
