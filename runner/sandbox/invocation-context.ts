// The state of the one invocation a worker is running. Host calls read the request from it
// and build the response in it; the worker makes a fresh one per invocation.
import type { Logger } from "../../core/observe/log";
import type { LoadedFunction } from "./protocol";
import type { GuestMemory } from "./guest-memory";
import type { RequestBytes } from "./wire";
import type { ResponseBody } from "./response-body";
import type { WasiState } from "./host/wasi/wasi-state";

export interface InvocationContext {
  fn: LoadedFunction;
  requestId: string;
  deadline: number;
  memory: GuestMemory;
  request: RequestBytes;
  /** Request headers by lower-case name (repeats joined by ", "), parsed on first lookup. */
  headerMap: Map<string, string> | null;
  status: number;
  headers: [string, string][];
  body: ResponseBody;
  /** Bytes of header names and values set so far, against MAX_HEADER_BYTES. */
  headerBytes: number;
  logLines: number;
  logDropped: number;
  logger: Logger;
  /** Made by the invocation's first WASI call (host/wasi/wasi-state.ts); null until then. */
  wasi: WasiState | null;
}
