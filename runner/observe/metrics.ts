// Prometheus metrics of the runner. Names of the invocation metrics are the product's contract.
//
// prom-client takes ~25 ms to load here, a quarter of a cold start, and nothing on the way to
// the first response needs it: invocations are counted in plain arrays (invocation-metrics.ts)
// and turned into series at a scrape, an edge node's events are kept until then
// (edge-metrics.ts). So it is loaded at the first scrape or LOAD_AFTER_MS after start, whichever
// comes first (the process metrics, e.g. event-loop lag and GC, count from then).
import type { Registry } from "prom-client";
import { InvocationMetrics } from "./invocation-metrics";
import { scrapeGauges } from "./scrape-gauge";
import type { Outcome } from "../outcome";

const LOAD_AFTER_MS = 1000;

export type PromClient = typeof import("prom-client");

export interface PoolStats {
  workers: number;
  busy: number;
  /** Invocations handed to workers (running or next in a worker's pipeline). */
  inWorkers: number;
  queued: number;
  /** Requests over their function's queue, waiting for a place. */
  waiting: number;
  queueLimit: number;
  restarts: number;
  /** Functions loaded into workers, counted once per worker holding one. */
  functionsHeld: number;
}

export interface RunnerMetrics {
  /** The exposition text for GET /metrics. */
  scrape(): Promise<{ body: string; contentType: string }>;
  /** `runSeconds`: a worker's time on it, when one ran it. */
  observeInvocation(fn: string, outcome: Outcome, seconds: number, runSeconds?: number): void;
}

/** `attach`: more metrics, registered once prom-client has loaded (an edge node's). */
export function createRunnerMetrics(
  poolStats: () => PoolStats,
  attach?: (prom: PromClient, registry: Registry) => void,
): RunnerMetrics {
  const invocations = new InvocationMetrics();
  let loading: Promise<Registry> | null = null;
  const registry = () =>
    (loading ??= import("prom-client").then((prom) => {
      const built = new prom.Registry();
      prom.collectDefaultMetrics({ register: built });
      invocations.register(built);
      const gauge = scrapeGauges(prom, built, poolStats);
      gauge("wasm_pool_workers", "Workers in the sandbox pool", (s) => s.workers);
      gauge("wasm_pool_busy_workers", "Workers running an invocation now", (s) => s.busy);
      gauge("wasm_queue_depth", "Invocations waiting in the functions' queues for a worker", (s) => s.queued);
      gauge(
        "wasm_queue_waiting",
        "Requests over their function's queue, waiting for a place in it (refused with 503 after --overload-wait-ms)",
        (s) => s.waiting,
      );
      gauge(
        "wasm_worker_backlog",
        "Invocations handed to a worker that wait behind its current one",
        (s) => s.inWorkers - s.busy,
      );
      gauge("wasm_queue_capacity", "Maximum invocations that may wait for a worker", (s) => s.queueLimit);
      gauge("wasm_worker_restarts", "Workers replaced since start (crash or watchdog)", (s) => s.restarts);
      gauge(
        "wasm_worker_functions_held",
        "Functions loaded into workers, once per worker holding one (a worker loads a function with its first invocation there)",
        (s) => s.functionsHeld,
      );
      attach?.(prom, built);
      return built;
    }));
  setTimeout(registry, LOAD_AFTER_MS).unref();

  return {
    scrape: async () => {
      const loaded = await registry();
      return { body: await loaded.metrics(), contentType: loaded.contentType };
    },
    observeInvocation: (fn, outcome, seconds, runSeconds) => invocations.observe(fn, outcome, seconds, runSeconds),
  };
}
