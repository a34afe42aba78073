// Messages between the pool (main thread) and its workers. Kept to plain data and transferable
// buffers so one structured clone carries a whole invocation each way.
import type { Outcome } from "../outcome";
import type { InvocationLimits } from "./limits";
import type { LogLevel } from "../observe/log";

/** A prepared, compiled function as the workers hold it. */
export interface LoadedFunction {
  key: string;
  name: string;
  module: WebAssembly.Module;
  entrypoint: string;
  memory: { minPages: number; maxPages: number };
  env: Record<string, string>;
  limits: InvocationLimits;
}

export interface GuestRequest {
  method: string;
  uri: string;
  /** Lower-case names, in arrival order; repeats kept as separate entries. */
  headers: [string, string][];
  body: Uint8Array | null;
}

export interface GuestResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array | null;
}

/** One invocation as it crosses to a worker; the worker starts its clock when it starts running it. */
export interface InvokeJob {
  id: number;
  requestId: string;
  key: string;
  request: GuestRequest;
}

export interface InvokeResult {
  id: number;
  outcome: Outcome;
  response: GuestResponse | null;
  detail?: string;
}

// Invocations and results travel in batches: one structured clone per batch instead of one per
// request, since the thread hop, not the copy, is what costs (see docs/performance.md).
export type ToWorker =
  | { type: "init"; control: SharedArrayBuffer; logLevel: LogLevel; workerIndex: number }
  | { type: "load"; fn: LoadedFunction }
  | { type: "unload"; key: string }
  | { type: "invoke"; jobs: InvokeJob[] };

export type FromWorker = { type: "results"; results: InvokeResult[] };

/**
 * The per-worker control block, shared memory the main thread reads without a message:
 * Int32 [CANCEL] an invocation id to abandon, [RUNNING] the id being run (0 when idle);
 * Float64 [STARTED] when that run started (Date.now()), for the watchdog.
 */
export const CONTROL_BYTES = 16;
export const CONTROL_CANCEL = 0;
export const CONTROL_RUNNING = 1;
export const CONTROL_STARTED_F64 = 1;
