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

export type ToWorker =
  | { type: "init"; control: SharedArrayBuffer; logLevel: LogLevel; workerIndex: number }
  | { type: "load"; fn: LoadedFunction }
  | { type: "unload"; key: string }
  | { type: "invoke"; id: number; requestId: string; key: string; deadline: number; request: GuestRequest };

export type FromWorker =
  | { type: "result"; id: number; outcome: Outcome; response: GuestResponse | null; detail?: string }
  | { type: "fatal"; detail: string };

/** Index into the per-worker control SharedArrayBuffer: the id of an invocation to abandon. */
export const CONTROL_CANCEL = 0;
