// Wires config, pool, metrics and HTTP together for single-module mode. Kept apart from
// main.ts so tests can start a runner in-process on port 0 without a CLI.
import type { ServedConfig } from "./module-settings";
import { createRunnerApp, serveRunnerApp } from "./http/app";
import { BodyBudget } from "./http/body-budget";
import { createInvokeHandler } from "./http/invoke-handler";
import type { CompiledArtifact } from "../core/module/compile-module";
import type { Logger } from "../core/observe/log";
import { bodyBudgetGauges } from "./observe/body-metrics";
import { createRunnerMetrics } from "./observe/metrics";
import { DRAIN_MS, LOG_LINE_BYTES, poolOptions } from "./pool-settings";
import { WorkerPool } from "./sandbox/pool";

export interface RunningRunner {
  port: number;
  stop(): Promise<void>;
}

export function startRunner(config: ServedConfig, artifact: CompiledArtifact, logger: Logger): RunningRunner {
  const pool = new WorkerPool(poolOptions(config, logger, config.queue));
  const key = `${artifact.sha256}:${config.memoryPages}:${config.entrypoint}:${config.runtime}`;
  pool.load({
    key,
    name: config.name,
    module: artifact.module,
    runtime: config.runtime,
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
  const target = { key, name: config.name, runtime: config.runtime };
  const app = createRunnerApp({
    metrics,
    invoke: createInvokeHandler({
      pool,
      metrics,
      logger,
      maxBodyBytes: config.maxBodyBytes,
      bodies,
      resolve: () => target,
    }),
    health: () => ({ function: config.name, runtime: config.runtime, sha256: artifact.sha256, pool: pool.stats() }),
    // The module is loaded before the server listens: ready from the first request.
    notReady: () => null,
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
