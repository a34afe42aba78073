// The closed list of what an invocation can end as. Status, metric label and log level
// are decided here and nowhere else, so responses, metrics and logs always agree.

export const OUTCOMES = {
  ok: { status: 200, level: "info", message: "ok" },
  trap: { status: 500, level: "warn", message: "the function trapped" },
  memory: { status: 500, level: "warn", message: "the function ran out of memory (limit reached)" },
  stack_overflow: { status: 500, level: "warn", message: "the function overflowed its stack" },
  response_too_large: { status: 500, level: "warn", message: "the function's response exceeded the size limit" },
  // A WASI function (or an edge module's WASI exit) ended with a non-zero exit code; the code is in the log.
  exit: { status: 500, level: "warn", message: "the function exited with a non-zero exit code" },
  // A WASI function's stdout is not a CGI response; the log line says what is wrong with it.
  invalid_output: {
    status: 500,
    level: "warn",
    message: "the function's output is not a valid CGI response (header lines, a blank line, then the body)",
  },
  timeout: { status: 504, level: "warn", message: "the function exceeded its time limit" },
  overload: { status: 503, level: "warn", message: "the runner is at capacity; retry shortly" },
  body_too_large: { status: 413, level: "info", message: "the request body exceeds the size limit" },
  // The node holds as many request bodies as --max-body-bytes-in-flight allows (bodies are read
  // whole before a function runs). Not `overload`: that is the queue, tuned by another flag.
  body_budget: {
    status: 503,
    level: "warn",
    message: "the node is holding as many request bodies as it may; retry shortly",
  },
  // A Host header Bun cannot use, or a request target that is not a path: refused before routing.
  bad_request: {
    status: 400,
    level: "info",
    message: "malformed request: send a path and a valid Host header (or none, on HTTP/1.0)",
  },
  not_found: { status: 404, level: "info", message: "no function serves this path" },
  // Deployed here, but its module can be had neither from the cache, the disk nor the control
  // plane. Not a 404: the function exists, and a client (or a CDN caching 404s) should retry.
  unavailable: {
    status: 503,
    level: "error",
    message: "the function cannot be loaded on this node right now; retry shortly",
  },
  worker_crash: { status: 500, level: "error", message: "the sandbox worker failed" },
  shutting_down: { status: 503, level: "info", message: "the runner is shutting down" },
} as const satisfies Record<string, { status: number; level: "info" | "warn" | "error"; message: string }>;

export type Outcome = keyof typeof OUTCOMES;
export const OUTCOME_NAMES = Object.keys(OUTCOMES) as Outcome[];

/** Seconds a client should wait before retrying after an overload answer. */
export const RETRY_AFTER_SECONDS = 1;
