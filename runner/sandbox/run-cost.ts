// What a function's invocations cost a worker, learnt from the run times its results carry
// (the CPU time where it could be read, see cpu-meter.ts): what decides where its next ones may
// run (pool.ts). A function is slow once one run costs more than SLOW_MS or runs into its time
// limit, or its typical run (a moving average) passes HEAVY_MS. It stays slow for SLOW_MEMORY_MS
// after its last such run and until its typical run falls below half of HEAVY_MS (~25 cheap runs
// after a 500 ms timeout). Without the time, a function that loops on one request in 200 was
// judged fast again between its loops, and each loop landed on a regular worker (hello-world
// beside it: 9-42% of its throughput, tests/reliability/saturation, sometimes-loop).

/** A run seen (or reported) longer than this marks its function slow at once. */
export const SLOW_MS = 5;
/** A function whose typical run is longer than this is slow too. */
export const HEAVY_MS = 1;
/** How long a function stays slow after its last run over SLOW_MS (or into its time limit). */
export const SLOW_MEMORY_MS = 10_000;
/** Runs remembered one by one, for `heavy`. */
const RECENT = 8;
/** Weight of the newest run in the moving average. */
const ALPHA = 0.2;
/**
 * Runs before the average counts, seeded with the cheapest of them: a function's first run on
 * a worker loads and instantiates it cold, which must not mark it slow.
 */
const SETTLE_RUNS = 4;

export class RunCost {
  /** Moving average of run times in ms; NaN until a run has ended. */
  private typical = NaN;
  private runs = 0;
  /** The last RECENT run costs, oldest overwritten first: whether its runs are typically heavy. */
  private readonly recent = new Float64Array(RECENT);
  private recentAt = 0;
  private recentCount = 0;
  /** Date.now() of its last run over SLOW_MS or into its time limit. */
  private lastSlowAt = -Infinity;
  /** Date.now() of its last run into its time limit. */
  private lastTimeoutAt = -Infinity;
  slow = false;

  /** `memoryMs`: how long it stays slow after its last slow run (tests shorten it). */
  constructor(
    private readonly memoryMs = SLOW_MEMORY_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a run has ended: until then nothing is known of the function's cost. */
  get known(): boolean {
    return !Number.isNaN(this.typical);
  }

  /** What a next run is expected to cost a worker, in ms; `unknown` before any run ended. */
  estimate(unknown: number): number {
    return Number.isNaN(this.typical) ? unknown : this.typical;
  }

  /** A run ended after costing `runMs`; `timedOut`: it ran into its limit. Returns true when this made it slow. */
  observe(runMs: number, timedOut = false): boolean {
    // The first runs seed the average with the cheapest of them: a cold one must not weigh.
    if (Number.isNaN(this.typical)) this.typical = runMs;
    else if (this.runs < SETTLE_RUNS) this.typical = Math.min(this.typical, runMs);
    else this.typical += ALPHA * (runMs - this.typical);
    if (this.runs < SETTLE_RUNS) this.runs++;
    this.recent[this.recentAt] = runMs;
    this.recentAt = (this.recentAt + 1) % RECENT;
    if (this.recentCount < RECENT) this.recentCount++;
    const was = this.slow;
    if (timedOut || runMs > SLOW_MS) {
      this.lastSlowAt = this.now();
      if (timedOut) this.lastTimeoutAt = this.lastSlowAt;
      this.slow = true;
    } else if (this.typical > HEAVY_MS && this.runs >= SETTLE_RUNS) this.slow = true;
    else if (this.slow && this.typical < HEAVY_MS / 2 && this.now() - this.lastSlowAt >= this.memoryMs)
      this.slow = false;
    return this.slow && !was;
  }

  /**
   * Whether most of its recent runs cost more than HEAVY_MS: a function slow by its typical run,
   * not by a long one now and then. Only such a function is held to a share of the cores
   * (pool.ts): one whose requests are mostly fast keeps its concurrency (on the spares) though
   * one of them ran long, else its quick requests would wait behind its slow ones.
   */
  get heavy(): boolean {
    let over = 0;
    for (let i = 0; i < this.recentCount; i++) if (this.recent[i]! > HEAVY_MS) over++;
    return over * 2 > this.recentCount;
  }

  /** Whether a run of it ran into its time limit within the last memoryMs: a runaway now and then. */
  get runaway(): boolean {
    return this.lastTimeoutAt > -Infinity && this.now() - this.lastTimeoutAt < this.memoryMs;
  }

  /**
   * A run was seen going past SLOW_MS before it ended. That marks a function whose cost is not
   * known yet (its first run); a known one is judged by what its run costs when it ends, since
   * a fast run may just be waiting for a CPU. Returns true when this made it slow.
   */
  sighted(): boolean {
    if (this.slow || this.known) return false;
    this.slow = true;
    return true;
  }
}
