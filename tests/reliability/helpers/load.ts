// Load generators for the reliability suite. `openLoop` sends at a fixed rate whatever the
// answers (so two runs of the same load compare latencies fairly); `closedLoop` keeps N requests
// in flight. Latency is measured until the whole body has arrived.

export interface Exchange {
  status: number;
  text: string;
  ms: number;
  headers: Headers | null;
}

export interface LoadResult {
  sent: number;
  /** Answers `check` accepted. */
  ok: number;
  /** Answers `check` refused (or network errors, status 0), first 20 kept. */
  failed: number;
  failures: string[];
  /** Latencies in ms of every answer, sorted. */
  latencies: Float64Array;
  /** Requests the generator could not start because too many were in flight. */
  skipped: number;
  seconds: number;
}

export type Check = (exchange: Exchange) => boolean;

async function exchange(url: string, init: RequestInit | undefined, timeoutMs: number): Promise<Exchange> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started, headers: res.headers };
  } catch (error) {
    return { status: 0, text: String(error), ms: performance.now() - started, headers: null };
  }
}

class Tally {
  sent = 0;
  ok = 0;
  failed = 0;
  skipped = 0;
  failures: string[] = [];
  private latencies: number[] = [];
  constructor(private readonly check: Check) {}
  add(x: Exchange): void {
    this.latencies.push(x.ms);
    if (this.check(x)) this.ok++;
    else {
      this.failed++;
      if (this.failures.length < 20) this.failures.push(`${x.status} ${x.text.slice(0, 200)}`);
    }
  }
  result(seconds: number): LoadResult {
    return {
      sent: this.sent,
      ok: this.ok,
      failed: this.failed,
      failures: this.failures,
      latencies: Float64Array.from(this.latencies).sort(),
      skipped: this.skipped,
      seconds,
    };
  }
}

/** `rate` requests per second for `durationMs`, never more than `maxInFlight` at once. */
export async function openLoop(options: {
  url: string;
  init?: RequestInit;
  rate: number;
  durationMs: number;
  check: Check;
  maxInFlight?: number;
  timeoutMs?: number;
}): Promise<LoadResult> {
  const tally = new Tally(options.check);
  const maxInFlight = options.maxInFlight ?? 2000;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.durationMs) break;
    const due = Math.floor((elapsed * options.rate) / 1000) - tally.sent - tally.skipped;
    for (let i = 0; i < due; i++) {
      if (pending.size >= maxInFlight) {
        tally.skipped++;
        continue;
      }
      tally.sent++;
      const p: Promise<void> = exchange(options.url, options.init, options.timeoutMs ?? 10_000).then((x) => {
        tally.add(x);
        pending.delete(p);
      });
      pending.add(p);
    }
    await Bun.sleep(1);
  }
  await Promise.all(pending);
  return tally.result((performance.now() - started) / 1000);
}

/**
 * `concurrency` clients, each sending its next request when the last is answered, for
 * `durationMs`; with `pauseMs` each waits that long first, with `intervalMs` each starts a
 * request at most that often.
 */
export async function closedLoop(options: {
  url: string;
  init?: RequestInit | (() => RequestInit);
  concurrency: number;
  durationMs: number;
  check: Check;
  timeoutMs?: number;
  pauseMs?: number;
  intervalMs?: number;
}): Promise<LoadResult> {
  const tally = new Tally(options.check);
  const started = performance.now();
  const client = async () => {
    while (performance.now() - started < options.durationMs) {
      const begun = performance.now();
      tally.sent++;
      const init = typeof options.init === "function" ? options.init() : options.init;
      tally.add(await exchange(options.url, init, options.timeoutMs ?? 10_000));
      if (options.pauseMs) await Bun.sleep(options.pauseMs);
      if (options.intervalMs) await Bun.sleep(Math.max(0, begun + options.intervalMs - performance.now()));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return tally.result((performance.now() - started) / 1000);
}

/** The q-quantile (0..1) of sorted values, in the same unit. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const ms = (value: number): string =>
  value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
