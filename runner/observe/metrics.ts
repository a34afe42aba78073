// Prometheus metrics of the runner. Names of the invocation metrics are the product's contract.
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { InvocationMetrics } from "./invocation-metrics";
import type { Outcome } from "../outcome";

export interface PoolStats {
  workers: number;
  busy: number;
  /** Invocations handed to workers (running or next in a worker's pipeline). */
  inWorkers: number;
  queued: number;
  queueLimit: number;
  restarts: number;
  /** Functions loaded into workers, counted once per worker holding one. */
  functionsHeld: number;
}

export interface RunnerMetrics {
  registry: Registry;
  /** `runSeconds`: a worker's time on it, when one ran it. */
  observeInvocation(fn: string, outcome: Outcome, seconds: number, runSeconds?: number): void;
}

export function createRunnerMetrics(poolStats: () => PoolStats): RunnerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const invocations = new InvocationMetrics(registry);
  const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read(poolStats())); } });
  gauge("wasm_pool_workers", "Workers in the sandbox pool", (s) => s.workers);
  gauge("wasm_pool_busy_workers", "Workers running an invocation now", (s) => s.busy);
  gauge("wasm_queue_depth", "Invocations waiting in the runner's queue for a worker", (s) => s.queued);
  gauge("wasm_worker_backlog", "Invocations handed to a worker that wait behind its current one", (s) => s.inWorkers - s.busy);
  gauge("wasm_queue_capacity", "Maximum invocations that may wait for a worker", (s) => s.queueLimit);
  gauge("wasm_worker_restarts", "Workers replaced since start (crash or watchdog)", (s) => s.restarts);
  gauge("wasm_worker_functions_held", "Functions loaded into workers, once per worker holding one (a worker loads a function with its first invocation there)", (s) => s.functionsHeld);

  return {
    registry,
    observeInvocation: (fn, outcome, seconds, runSeconds) => invocations.observe(fn, outcome, seconds, runSeconds),
  };
}
