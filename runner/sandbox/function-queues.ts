// The queues in front of the workers, one per function (pool.ts decides what leaves them and
// where it runs). A request that finds no worker waits in its function's queue, bounded per
// function and for all functions together; past those bounds it waits in the function's
// waiting room for a place, and what has not started within `waitMs` of its arrival (less a
// random quarter of it) is refused (overload). With `waitMs` 0 nothing waits for a place and queued requests never expire.
// Queues and waiting rooms hold requests in arrival order, so expiry looks only at their fronts.
import { Fifo } from "./fifo";

export interface QueuedJob {
  /** Date.now() by which it must have started, or be refused (Infinity: no limit). */
  startBy: number;
}

/** What a function carries for its queues. */
export interface Queues<J extends QueuedJob> {
  queue: Fifo<J>;
  waiting: Fifo<J>;
  /** In `ring`, the round of functions with queued work. */
  inRing: boolean;
}

export interface QueueLimits {
  /** Queued requests, all functions together. */
  queue: number;
  /** Queued requests of one function. */
  perFunction: number;
  /** How long a queued or waiting request may wait to start; 0: no waiting room, no expiry. */
  waitMs: number;
  /** Requests in waiting rooms, all functions together. */
  waiting: number;
}

export class FunctionQueues<F extends Queues<J>, J extends QueuedJob> {
  /** Functions with queued requests, served in turn by the pool from `cursor`. */
  readonly ring: F[] = [];
  cursor = 0;
  queued = 0;
  waiting = 0;
  /** Functions with queued or waiting requests. */
  private readonly backlogged = new Set<F>();

  constructor(readonly limits: QueueLimits) {}

  /** Queues `job` behind `fn`'s others, or lets it wait for a place; "full" when neither may. */
  add(fn: F, job: J): "queued" | "waiting" | "full" {
    // Between 3/4 of the wait and all of it: clients refused together would come back together.
    if (this.limits.waitMs > 0) job.startBy = Date.now() + this.limits.waitMs * (0.75 + 0.25 * Math.random());
    if (fn.waiting.size === 0 && fn.queue.size < this.limits.perFunction && this.queued < this.limits.queue) {
      fn.queue.push(job);
      this.queued++;
      this.backlogged.add(fn);
      this.ready(fn);
      return "queued";
    }
    if (this.limits.waitMs > 0 && this.waiting < this.limits.waiting) {
      fn.waiting.push(job);
      this.waiting++;
      this.backlogged.add(fn);
      return "waiting";
    }
    return "full";
  }

  /** Takes the request at the front of `fn`'s queue, to run it, and lets one in from its waiting room. */
  take(fn: F): J {
    const job = fn.queue.shift()!;
    this.queued--;
    if (fn.waiting.size > 0) this.admit(fn);
    else if (fn.queue.size === 0) this.backlogged.delete(fn);
    return job;
  }

  /** Puts requests that had been handed to a worker back in front of `fn`'s queue, in order. */
  putBack(fn: F, jobs: J[]): void {
    for (const job of jobs) job.startBy = Infinity; // they had started waiting in a worker: first in line, not out
    fn.queue.unshift(jobs);
    this.queued += jobs.length;
    this.backlogged.add(fn);
    this.ready(fn);
  }

  /** Takes every queued and waiting request of `fn`. */
  takeAll(fn: F): J[] {
    const queued = fn.queue.takeAll();
    const waiting = fn.waiting.takeAll();
    this.queued -= queued.length;
    this.waiting -= waiting.length;
    this.backlogged.delete(fn);
    return queued.concat(waiting);
  }

  /** Takes out what could not start by `now`, with why. */
  expire(now: number, refuse: (job: J, why: string) => void): void {
    for (const fn of this.backlogged) {
      let head: J | undefined;
      while ((head = fn.queue.peek()) && head.startBy <= now) {
        fn.queue.shift();
        this.queued--;
        refuse(head, `not started within ${this.limits.waitMs} ms`);
      }
      while ((head = fn.waiting.peek()) && head.startBy <= now) {
        fn.waiting.shift();
        this.waiting--;
        refuse(head, `${this.fullness(fn)}; no place within ${this.limits.waitMs} ms`);
      }
      if (fn.waiting.size > 0) this.admit(fn);
      if (fn.queue.size === 0 && fn.waiting.size === 0) this.backlogged.delete(fn);
    }
  }

  /** Lets waiting requests into the queues while there is room (after others left them). */
  admitAll(): void {
    if (this.waiting === 0 || this.queued >= this.limits.queue) return;
    for (const fn of this.backlogged) if (fn.waiting.size > 0) this.admit(fn);
  }

  /** Whether any request is queued or waiting (what the pool's tick looks at). */
  get any(): boolean {
    return this.backlogged.size > 0;
  }

  /** Which bound a full function is at, for the refusal's detail. */
  fullness(fn: F): string {
    return fn.queue.size >= this.limits.perFunction
      ? `function queue full (${this.limits.perFunction})`
      : `queue full (${this.limits.queue})`;
  }

  /** Back in the round (a request of it ended and it has more queued). */
  ready(fn: F): void {
    if (fn.inRing || fn.queue.size === 0) return;
    fn.inRing = true;
    this.ring.push(fn);
  }

  /** Out of the round at `at` (its queue is empty). */
  leave(at: number): void {
    const fn = this.ring[at]!;
    this.ring.splice(at, 1);
    fn.inRing = false;
    if (this.cursor > at) this.cursor--;
  }

  private admit(fn: F): void {
    while (fn.waiting.size > 0 && fn.queue.size < this.limits.perFunction && this.queued < this.limits.queue) {
      fn.queue.push(fn.waiting.shift()!);
      this.waiting--;
      this.queued++;
    }
    this.ready(fn);
  }
}
