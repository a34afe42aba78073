// Wires config, pool, metrics and HTTP together for single-module mode. Kept apart from
// main.ts so tests can start a runner in-process on port 0 without a CLI.
import type { EdgeConfig, RunnerConfig } from "./config";
import { createRunnerApp, serveRunnerApp } from "./http/app";
import { BodyBudget } from "./http/body-budget";
import { createInvokeHandler } from "./http/invoke-handler";
import type { CompiledArtifact } from "../core/module/compile-module";
import type { Logger } from "../core/observe/log";
import { bodyBudgetGauges } from "./observe/body-metrics";
import { createRunnerMetrics } from "./observe/metrics";
import { WorkerPool, type PoolOptions } from "./sandbox/pool";

/** How long a stopping runner lets running invocations finish. */
export const DRAIN_MS = 5_000;
export const LOG_LINE_BYTES = 4096;

/** Invocations of one function that may wait for a worker on an edge node, unless --function-queue says. */
export const EDGE_FUNCTION_QUEUE = 64;

/** The pool's settings from either mode's configuration. */
export function poolOptions(config: RunnerConfig | EdgeConfig, logger: Logger, functionQueueDefault: number): PoolOptions {
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

export interface RunningRunner {
  port: number;
  stop(): Promise<void>;
}

export function startRunner(config: RunnerConfig, artifact: CompiledArtifact, logger: Logger): RunningRunner {
  const pool = new WorkerPool(poolOptions(config, logger, config.queue));
  const key = `${artifact.sha256}:${config.memoryPages}:${config.entrypoint}`;
  pool.load({
    key,
    name: config.name,
    module: artifact.module,
    entrypoint: config.entrypoint,
    memory: artifact.memory,
    reusable: artifact.reusable,
    env: config.env,
    maxConcurrency: config.maxConcurrency,
    limits: {
      maxExecutionMs: config.maxExecutionMs,
      maxResponseBytes: config.maxResponseBytes,
      maxLogLines: config.maxLogLinesPerInvocation,
      maxLogLineBytes: LOG_LINE_BYTES,
    },
  });
  const bodies = new BodyBudget(config.maxBodyBytesInFlight);
  const metrics = createRunnerMetrics(() => pool.stats(), bodyBudgetGauges(bodies));
  const target = { key, name: config.name };
  const app = createRunnerApp({
    metrics,
    invoke: createInvokeHandler({ pool, metrics, logger, maxBodyBytes: config.maxBodyBytes, bodies, resolve: () => target }),
    health: () => ({ function: config.name, sha256: artifact.sha256, pool: pool.stats() }),
  });
  let server: ReturnType<typeof serveRunnerApp>;
  try {
    server = serveRunnerApp(app, config.port, config.host, logger);
  } catch (error) {
    void pool.close(0);
    throw error;
  }
  return {
    port: server.port ?? config.port,
    async stop() {
      server.stop();
      await pool.close(DRAIN_MS);
    },
  };
}
