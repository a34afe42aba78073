// Where the next invocation of a function may run (pool.ts): how many of its invocations may be
// in workers at once, and which worker takes the next one.
//
// - A function has at most `cap` invocations in workers (running or next in a worker's line);
//   one whose cost is not known yet runs one first. A slow function that is heavy (most of its
//   runs slow) or ran into its limit lately runs at most half the regular workers' count at
//   once beside other functions: a slow run that finishes uses a whole core, and two at once on
//   2 cores left hello-world 40-47% of its throughput (tests/reliability/saturation).
// - Slow functions run on the spares only, alone in a worker (with no spares, on every regular
//   worker but one; a function alone in the pool, anywhere); others on the regular workers, and
//   on the spares only when slow work holds regular workers: spreading a saturating load over
//   more threads than cores costs CPU.
// - Nothing lines up in a worker behind more than BACKLOG_MS of expected work, nor behind a
//   run seen running past SLOW_MS (that run is reported to the pool, which takes back what was
//   lined up behind it: long-runs.ts).
import { CONTROL_RUNNING, CONTROL_STARTED_F64 } from "./protocol";
import { isSlow, type Job, type PoolFunction } from "./pool-function";
import { SLOW_MS } from "./run-cost";
import type { Slot } from "./worker-slot";

/** Invocations a worker may hold: the one it runs and those lined up behind it. */
export const PIPELINE_DEPTH = 16;
/**
 * A worker holding more expected work than this takes no more until it has run some. A fast
 * function's runs take microseconds (a full line of 16 hello-world runs is ~0.06 ms), so this
 * bounds what a request can wait behind in a worker to about 1 ms. A function whose cost is not
 * known yet counts as this much: nothing lines up behind its first run.
 */
export const BACKLOG_MS = 1;

export interface PlacementDeps {
  /** The pool's workers, regular ones first (index < size), then the spares started so far. */
  slots: Slot[];
  size: number;
  maxSlots: number;
  functionCount(): number;
  startSpares(): void;
  /** A job seen running longer than SLOW_MS. */
  seenLong(slot: Slot, job: Job, now: number): void;
}

export class Placement {
  /**
   * Whether the last search passed over a worker because of slow work: then fast work may spill
   * onto the spares (pick() reads it right after its search of the regular workers).
   */
  private heldBySlow = false;
  /** Most invocations of one heavy or runaway function at once: half the regular workers. */
  private readonly slowShare: number;

  constructor(private readonly deps: PlacementDeps) {
    this.slowShare = Math.max(1, Math.floor(deps.size / 2));
  }

  /** Most invocations of `entry` that may be in workers now. */
  capOf(entry: PoolFunction): number {
    // A function whose requests are mostly fast keeps its concurrency (on the spares) while one
    // of them runs long; one that loops now and then does not.
    if (entry.cost.slow) return entry.cost.heavy || entry.cost.runaway ? this.slowCap(entry) : entry.cap;
    if (entry.cost.known) return entry.cap;
    if (entry.inWorkers > 0 && this.runningLong(entry)) return this.slowCap(entry);
    return 1;
  }

  /** The worker for the next invocation of `entry`, or null when none of its kind has room. */
  pick(entry: PoolFunction): Slot | null {
    const { slots, size } = this.deps;
    if (isSlow(entry)) {
      if (this.deps.maxSlots > size) {
        this.deps.startSpares();
        // Alone in the pool, a slow function keeps nobody from the regular workers: it may use them too.
        return this.pickIn(size, slots.length) ?? (this.deps.functionCount() === 1 ? this.pickIn(0, size) : null);
      }
      // The last regular worker is kept for the other functions (a pool serving one keeps none).
      if (size > 1 && this.deps.functionCount() > 1 && this.slowRegular() >= size - 1) return null;
      return this.pickIn(0, size);
    }
    return this.pickIn(0, size) ?? (this.heldBySlow && slots.length > size ? this.pickIn(size, slots.length) : null);
  }

  /** A slow function's share is kept from it only for the others: a pool serving one has none. */
  private slowCap(entry: PoolFunction): number {
    return this.deps.functionCount() > 1 ? Math.min(entry.cap, this.slowShare) : entry.cap;
  }

  /** Whether an invocation of `entry` has been running longer than SLOW_MS (which reports it). */
  private runningLong(entry: PoolFunction): boolean {
    const now = Date.now();
    for (const slot of this.deps.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const job = slot.inflight.get(running);
      if (job?.entry !== entry) continue;
      this.deps.seenLong(slot, job, now);
      return true;
    }
    return false;
  }

  /** Regular workers holding slow work (only where there are no spares). */
  private slowRegular(): number {
    let count = 0;
    for (let i = 0; i < this.deps.size; i++) if (this.deps.slots[i]!.slowHeld > 0) count++;
    return count;
  }

  /** The least-loaded worker in [from, to) with room, skipping those busy with something slow. */
  private pickIn(from: number, to: number): Slot | null {
    const slots = this.deps.slots;
    let best: Slot | null = null;
    let now = 0;
    this.heldBySlow = false;
    for (let i = from; i < to; i++) {
      const slot = slots[i]!;
      const load = slot.inflight.size;
      if (load >= PIPELINE_DEPTH || (best && load >= best.inflight.size)) continue;
      if (load > 0) {
        if (slot.slowHeld > 0) {
          this.heldBySlow = true;
          continue;
        }
        const running = Atomics.load(slot.control, CONTROL_RUNNING);
        if (running !== 0) {
          now ||= Date.now();
          if (now - slot.started[CONTROL_STARTED_F64] > SLOW_MS) {
            const job = slot.inflight.get(running);
            if (job) this.deps.seenLong(slot, job, now);
            this.heldBySlow = true;
            continue;
          }
        }
        if (slot.backlog >= BACKLOG_MS) continue;
      }
      best = slot;
      if (load === 0) break;
    }
    return best;
  }
}
