// The worker pool's settings both modes share (single-module: start-runner.ts; edge node:
// edge/start-edge.ts), from either mode's configuration.
import type { EdgeConfig, RunnerConfig } from "./config";
import type { Logger } from "../core/observe/log";
import type { PoolOptions } from "./sandbox/pool";

/** How long a stopping runner lets running invocations finish. */
export const DRAIN_MS = 5_000;
export const LOG_LINE_BYTES = 4096;

/** Invocations of one function that may wait for a worker on an edge node, unless --function-queue says. */
export const EDGE_FUNCTION_QUEUE = 64;

/** The pool's settings from either mode's configuration. */
export function poolOptions(
  config: RunnerConfig | EdgeConfig,
  logger: Logger,
  functionQueueDefault: number,
): PoolOptions {
  return {
    size: config.workers,
    spares: config.spareWorkers,
    sparePriority: config.sparePriority,
    instanceReuse: config.instanceReuse === "on",
    queueLimit: config.queue,
    functionQueueLimit: Math.min(config.functionQueue ?? functionQueueDefault, config.queue),
    waitMs: config.overloadWaitMs,
    logLevel: config.logLevel,
    logger,
  };
}
