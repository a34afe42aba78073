// The pool's settings (runner/config.ts sets them from flags) and their defaults.
import type { Logger, LogLevel } from "../../core/observe/log";
import type { QueueLimits } from "./function-queues";
import { PIPELINE_DEPTH } from "./placement";

export interface PoolOptions {
  /** Workers for the regular work: one per core is what throughput wants. */
  size: number;
  /**
   * Workers for invocations of functions seen running slow. Without them, two slow functions on
   * a 2-worker pool leave fast requests nothing to run on for the length of the slow runs.
   */
  spares?: number;
  /** Invocations that may wait for a worker, all functions together. */
  queueLimit: number;
  /** Invocations of one function that may wait for a worker; default `queueLimit`. */
  functionQueueLimit?: number;
  /** How long a request may wait to start before it is refused; default DEFAULT_WAIT_MS, 0: refused at once when the queue is full. */
  waitMs?: number;
  /** Requests that may wait for a place, all functions together; default max(WAITING_MIN, WAITING_PER_QUEUED x queueLimit). */
  waitingLimit?: number;
  /** How long a function stays slow after its last slow run (run-cost.ts; tests shorten it). */
  slowMemoryMs?: number;
  /** A function's `maxConcurrency` when it sets none; default DEFAULT_CONCURRENCY_PER_WORKER x size. */
  defaultConcurrency?: number;
  /**
   * "idle" (default): on the spares, functions that recently ran into their time limit run as
   * background threads, taking only CPU that others leave; "normal": never.
   */
  sparePriority?: "idle" | "normal";
  /** Whether workers may run a request on an instance reset after an earlier one (executor.ts); default true. */
  instanceReuse?: boolean;
  logLevel: LogLevel;
  logger: Logger;
}

/** A function alone may fill every regular worker's line (capped at half of it, hello-world lost 13% of its req/s). */
export const DEFAULT_CONCURRENCY_PER_WORKER = PIPELINE_DEPTH;
export const DEFAULT_WAIT_MS = 1000;
/** Requests waiting for a place: at least WAITING_MIN (a wait costs what the connection holds anyway), more with a bigger queue. */
const WAITING_PER_QUEUED = 16;
const WAITING_MIN = 4096;

/** The queues' bounds (function-queues.ts) from the pool's settings. */
export function queueLimits(options: PoolOptions): QueueLimits {
  return {
    queue: options.queueLimit,
    perFunction: Math.min(options.functionQueueLimit ?? options.queueLimit, options.queueLimit),
    waitMs: options.waitMs ?? DEFAULT_WAIT_MS,
    waiting: options.waitingLimit ?? Math.max(WAITING_MIN, WAITING_PER_QUEUED * options.queueLimit),
  };
}
