// What the pool knows of a loaded function, and of one invocation of it on its way through the
// queues and a worker's line (pool.ts). Plain records: the pool and its parts update them.
import type { Outcome } from "../outcome";
import { Fifo } from "./fifo";
import type { FunctionQueues, QueuedJob } from "./function-queues";
import type { GuestResponse, LoadedFunction } from "./protocol";
import type { RunCost } from "./run-cost";
import type { RequestParts } from "./wire";

export interface InvocationResult {
  outcome: Outcome;
  response: GuestResponse | null;
  detail?: string;
  /**
   * Milliseconds a worker spent on it (instance set-up, guest code, host calls), absent when
   * none ran it. The rest of its latency is waiting: for a worker, and for the hand-overs.
   */
  runMs?: number;
}

/** A loaded function: which workers hold it, what its runs cost, and its queues. */
export interface PoolFunction {
  handle: number;
  fn: LoadedFunction;
  /** By slot index: 1 once the worker was sent this function. */
  on: Uint8Array;
  unloaded: boolean;
  /** Most of its invocations in workers at once, once its cost is known. */
  cap: number;
  cost: RunCost;
  /** Its invocations handed to workers now. */
  inWorkers: number;
  /** Those of them seen running longer than SLOW_MS: while any does, it counts as slow. */
  longRuns: number;
  /** Waiting for a worker. */
  queue: Fifo<Job>;
  /** Over the queue, waiting for a place in it. */
  waiting: Fifo<Job>;
  /** In the pool's round-robin of functions with queued invocations. */
  inRing: boolean;
}

export interface Job extends QueuedJob {
  entry: PoolFunction;
  /** Sent while its function counted as slow: nothing is lined up behind it. */
  slow: boolean;
  /** Seen running longer than SLOW_MS (counted in its function's longRuns). */
  long: boolean;
  /** Its place in the worker's line (line.ts). */
  seq: number;
  /** Its time limit in ms when not its function's: what was left when it was moved; 0 otherwise. */
  budgetMs: number;
  /** Being stopped on a regular worker, to start again on a spare (long-runs.ts). */
  moving: boolean;
  /** When it was moving: how long it had run. */
  ranMs: number;
  /** Its expected run time (ms), added to the backlog of the worker it is sent to. */
  cost: number;
  id: number;
  requestId: string;
  request: RequestParts;
  resolve: (result: InvocationResult) => void;
}

export function newPoolFunction(
  handle: number,
  fn: LoadedFunction,
  maxSlots: number,
  cap: number,
  cost: RunCost,
): PoolFunction {
  return {
    handle,
    fn,
    on: new Uint8Array(maxSlots),
    unloaded: false,
    cap,
    cost,
    inWorkers: 0,
    longRuns: 0,
    queue: new Fifo(),
    waiting: new Fifo(),
    inRing: false,
  };
}

/** A job not yet sent anywhere. */
export function newJob(
  entry: PoolFunction,
  id: number,
  requestId: string,
  request: RequestParts,
  resolve: (result: InvocationResult) => void,
): Job {
  return {
    entry,
    slow: false,
    long: false,
    seq: 0,
    budgetMs: 0,
    moving: false,
    ranMs: 0,
    cost: 0,
    startBy: Infinity,
    id,
    requestId,
    request,
    resolve,
  };
}

/** Slow by its runs so far, or because one of its runs is running long now. */
export function isSlow(entry: PoolFunction): boolean {
  return entry.cost.slow || entry.longRuns > 0;
}

/** Puts jobs taken out of a worker's line back in front of their functions' queues, in order. */
export function putBack(queues: FunctionQueues<PoolFunction, Job>, jobs: Iterable<Job>): void {
  const byFunction = new Map<PoolFunction, Job[]>();
  for (const job of jobs) {
    const list = byFunction.get(job.entry);
    if (list) list.push(job);
    else byFunction.set(job.entry, [job]);
  }
  for (const [entry, list] of byFunction) queues.putBack(entry, list);
}
