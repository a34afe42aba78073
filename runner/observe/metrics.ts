// Prometheus metrics of the runner. Names of the invocation metrics are the product's contract.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Outcome } from "../outcome";

export interface PoolStats {
  workers: number;
  busy: number;
  /** Invocations handed to workers (running or next in a worker's pipeline). */
  inWorkers: number;
  queued: number;
  queueLimit: number;
  restarts: number;
}

export interface RunnerMetrics {
  registry: Registry;
  observeInvocation(fn: string, outcome: Outcome, seconds: number): void;
}

export function createRunnerMetrics(poolStats: () => PoolStats): RunnerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const count = new Counter({ name: "wasm_invoke_count_total", help: "Invocations, by function and outcome", labelNames: ["function", "outcome"], registers: [registry] });
  const errors = new Counter({ name: "wasm_invoke_errors_total", help: "Invocations that did not end ok, by function and outcome", labelNames: ["function", "outcome"], registers: [registry] });
  const latency = new Histogram({
    name: "wasm_invoke_latency_seconds",
    help: "Invocation latency from request received to response ready, by function",
    labelNames: ["function"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read(poolStats())); } });
  gauge("wasm_pool_workers", "Workers in the sandbox pool", (s) => s.workers);
  gauge("wasm_pool_busy_workers", "Workers running an invocation now", (s) => s.busy);
  gauge("wasm_queue_depth", "Invocations waiting in the runner's queue for a worker", (s) => s.queued);
  gauge("wasm_worker_backlog", "Invocations handed to a worker that wait behind its current one", (s) => s.inWorkers - s.busy);
  gauge("wasm_queue_capacity", "Maximum invocations that may wait for a worker", (s) => s.queueLimit);
  gauge("wasm_worker_restarts", "Workers replaced since start (crash or watchdog)", (s) => s.restarts);

  // prom-client hashes the label object on every call; the labelled children are kept instead
  // (a few per function), which takes that off the per-request path.
  type Children = { count: ReturnType<typeof count.labels>; errors: ReturnType<typeof errors.labels> | null; latency: ReturnType<typeof latency.labels> };
  const children = new Map<string, Children>();
  return {
    registry,
    observeInvocation(fn, outcome, seconds) {
      const key = `${fn}\0${outcome}`;
      let c = children.get(key);
      if (!c) {
        c = {
          count: count.labels({ function: fn, outcome }),
          errors: outcome === "ok" ? null : errors.labels({ function: fn, outcome }),
          latency: latency.labels({ function: fn }),
        };
        children.set(key, c);
      }
      c.count.inc();
      c.errors?.inc();
      c.latency.observe(seconds);
    },
  };
}
