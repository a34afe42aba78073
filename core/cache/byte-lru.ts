// A least-recently-used map bounded by the summed cost of its values (bytes). The entry just
// set always stays, even alone over the bound: the caller needs it right now. Entries
// `mayEvict` refuses (pinned ones) are passed over. Used for compiled modules and for artifacts
// on disk (runner/edge).
export interface ByteLruOptions<V> {
  /** Whether an entry may go now; false keeps it whatever the bound (default: all may). */
  mayEvict?: (key: string, value: V) => boolean;
}

export class ByteLru<V> {
  /** Map keeps insertion order: the first entry is the least recently used. */
  private readonly entries = new Map<string, { value: V; cost: number }>();
  private total = 0;
  private readonly mayEvict: (key: string, value: V) => boolean;

  constructor(
    private readonly maxCost: number,
    private readonly onEvict: (key: string, value: V) => void = () => {},
    options: ByteLruOptions<V> = {},
  ) {
    this.mayEvict = options.mayEvict ?? (() => true);
  }

  get size(): number {
    return this.entries.size;
  }

  get cost(): number {
    return this.total;
  }

  /** The value, marked most recently used. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: V, cost: number): void {
    this.admit(key, value, cost);
    this.evict(key);
  }

  /** Adds as most recently used without evicting: the bound holds again at the next set or evict(). */
  admit(key: string, value: V, cost: number): void {
    this.delete(key);
    this.entries.set(key, { value, cost });
    this.total += cost;
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.total -= entry.cost;
    return true;
  }

  /** Evicts least recently used first until within the bounds, never `keep` nor what mayEvict refuses. */
  evict(keep?: string): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxCost) return;
      if (key === keep || !this.mayEvict(key, entry.value)) continue;
      this.entries.delete(key);
      this.total -= entry.cost;
      this.onEvict(key, entry.value);
    }
  }
}
