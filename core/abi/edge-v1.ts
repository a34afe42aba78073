// The guest ABI "edge v1", declared once as data. The pipeline checks guest imports
// against it; the sandbox builds its host functions from it; docs/abi-edge-v1.md explains it.
// Pointers and lengths are i32 in guest memory and are read as unsigned by the host.

export type ValType = "i32" | "i64" | "f32" | "f64";

export interface HostCallSignature {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** Module name of every edge v1 host call. */
export const EDGE_MODULE = "edge";

/** The one memory a guest may import instead of defining it. */
export const MEMORY_IMPORT = { module: "env", name: "memory" } as const;

export const DEFAULT_ENTRYPOINT = "handle";

export const EDGE_V1 = {
  request_method: { params: ["i32", "i32"], results: ["i32"] },
  request_uri: { params: ["i32", "i32"], results: ["i32"] },
  request_header: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  request_headers: { params: ["i32", "i32"], results: ["i32"] },
  request_body: { params: ["i32", "i32"], results: ["i32"] },
  response_status: { params: ["i32"], results: [] },
  response_header: { params: ["i32", "i32", "i32", "i32"], results: [] },
  response_write: { params: ["i32", "i32"], results: [] },
  log: { params: ["i32", "i32", "i32"], results: [] },
  env_get: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
  time_now_ms: { params: [], results: ["f64"] },
  random_fill: { params: ["i32", "i32"], results: [] },
} as const satisfies Record<string, HostCallSignature>;

export type EdgeCallName = keyof typeof EDGE_V1;

/**
 * Imports the module pipeline adds; guests can never import these themselves because
 * validation rejects every import outside EDGE_V1 and MEMORY_IMPORT before rewriting.
 * `interrupt() -> i32` is called when the injected fuel counter runs out: it throws to stop
 * the invocation, or returns the next fuel amount. `stack_overflow() -> i32` is called when
 * the injected call-depth counter goes below zero, and throws (its result type is the
 * interrupt's, so the module needs one type for both).
 */
export const SANDBOX_MODULE = "edge_sandbox";
export const INTERRUPT_IMPORT = { module: SANDBOX_MODULE, name: "interrupt", params: [], results: ["i32"] } as const;
export const STACK_OVERFLOW_IMPORT = {
  module: SANDBOX_MODULE,
  name: "stack_overflow",
  params: [],
  results: ["i32"],
} as const;

/** Initial value of the injected fuel global (checks between calls into the host). */
export const FUEL_INITIAL = 10_000;

/**
 * How deep guest calls may nest, counting frames of functions that may recur (on a cycle of
 * the call graph; see pipeline/call-graph.ts). The engine's own limit is not a contract: measured here, a trivial recursive
 * function overflows at ~7,900 frames before tier-up, ~4,800 with 20 locals, and only at
 * ~500,000 once optimised, where unwinding the overflow takes ~22 ms of CPU. A counted limit
 * below the first two makes a deep recursion fail the same way in every tier, at a cost of
 * ~0.5 ms.
 */
export const MAX_CALL_DEPTH = 5_000;

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
