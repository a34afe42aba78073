// What crosses between the pool (main thread) and its workers. Invocations and results travel
// through a pair of shared-memory rings per worker (ring.ts, wire.ts); postMessage carries
// set-up (init, load, unload) and the rare invocation or result too big for a ring.
import type { Outcome } from "../outcome";
import type { InvocationLimits } from "./limits";
import type { LogLevel } from "../../core/observe/log";
import type { RequestParts } from "./wire";
import type { RuntimeName } from "../../core/abi/runtimes";

/** A prepared, compiled function as the workers hold it. */
export interface LoadedFunction {
  key: string;
  name: string;
  module: WebAssembly.Module;
  /** wasi: a WASI command run as CGI (stdout is the response); absent or wasm: the edge ABI. */
  runtime?: RuntimeName;
  entrypoint: string;
  memory: { minPages: number; maxPages: number };
  /** The pipeline made it reusable: its entrypoint export resets its globals (core/pipeline/reset-entry.ts). */
  reusable: boolean;
  env: Record<string, string>;
  limits: InvocationLimits;
  /** Memory the compiled module is estimated to hold: dropping it paces collections (collect-soon.ts). */
  estimatedBytes?: number;
  /** Most of its invocations in workers at once (pool.ts); the pool's default when absent. */
  maxConcurrency?: number;
}

export interface GuestResponse {
  status: number;
  /** One "name: value\n" line per header, lower-case names, in the order the guest set them. */
  headers: string;
  body: Uint8Array | null;
}

/** An invocation sent by postMessage because it didn't fit in the ring. */
export interface PostedJob {
  id: number;
  fn: number;
  seq: number;
  /** Its time limit when not the function's (wire.ts writeJob), else 0. */
  budgetMs: number;
  requestId: string;
  request: RequestParts;
}

export interface PostedResult {
  id: number;
  outcome: Outcome;
  response: GuestResponse | null;
  detail: string;
  /** Milliseconds the worker spent on the invocation (set-up, guest code, host calls); NaN when it did not run. */
  runMs: number;
  /**
   * At most the CPU milliseconds the worker's thread used for it, plus what the guest slept (a
   * WASI poll_oneoff), measured only for runs longer than HEAVY_MS (cpu-meter.ts); NaN
   * otherwise. Tells a slow run from a fast one that waited for a CPU while it ran.
   */
  cpuMs: number;
}

export type ToWorker =
  | {
      type: "init";
      control: SharedArrayBuffer;
      line: SharedArrayBuffer;
      jobs: SharedArrayBuffer;
      results: SharedArrayBuffer;
      logLevel: LogLevel;
      workerIndex: number;
      background: boolean;
      instanceReuse: boolean;
      collectAfterBytes: number;
    }
  | { type: "load"; handle: number; fn: LoadedFunction; replaces?: number }
  | { type: "unload"; handle: number; estimatedBytes: number }
  | { type: "invoke"; job: PostedJob };

export type FromWorker = { type: "result"; result: PostedResult };

/**
 * The per-worker control block, shared memory read without a message:
 * Int32 [CANCEL] an invocation id to abandon, [RUNNING] the id being run (0 when idle),
 * [MAIL] bumped by the main thread after each postMessage, so a worker blocked waiting on its
 * ring knows to let its event loop deliver it, [TID] the worker thread's OS id (0 unknown), for
 * the watchdog to read its CPU time; Float64 [STARTED] when the running invocation started
 * (Date.now()), for the watchdog; Int32 [MOVE] (after it) an invocation id to stop and start
 * again on another worker, which the worker does only if it has logged nothing yet.
 */
export const CONTROL_BYTES = 32;
export const CONTROL_CANCEL = 0;
export const CONTROL_RUNNING = 1;
export const CONTROL_MAIL = 2;
export const CONTROL_TID = 3;
export const CONTROL_STARTED_F64 = 2;
/** Int32 [MOVE]: an invocation id to stop so that it starts again elsewhere, if it has logged nothing yet (pool.ts). */
export const CONTROL_MOVE = 6;

/** Bytes of each ring; an invocation or result over a quarter of it goes by postMessage. */
export const RING_BYTES = 1 << 20;
