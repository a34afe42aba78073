// The state of the one invocation a worker is running. Host calls read the request from it
// and build the response in it; the worker makes a fresh one per invocation.
import type { Logger } from "../observe/log";
import type { GuestRequest, LoadedFunction } from "./protocol";
import type { GuestMemory } from "./guest-memory";

export interface InvocationContext {
  fn: LoadedFunction;
  requestId: string;
  deadline: number;
  memory: GuestMemory;
  request: GuestRequest;
  /** Lazily encoded request parts, so a guest asking twice (length, then bytes) pays once. */
  encoded: { method?: Uint8Array; uri?: Uint8Array; headers?: Uint8Array };
  status: number;
  headers: [string, string][];
  body: Uint8Array[];
  bodyBytes: number;
  logLines: number;
  logDropped: number;
  logger: Logger;
}
