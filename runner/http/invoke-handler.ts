// HTTP request -> guest request -> pool -> HTTP response, with one access-log line and one
// metrics observation per request. The sandbox below it knows nothing about HTTP.
import type { Outcome } from "../outcome";
import { OUTCOMES } from "../outcome";
import type { Logger } from "../../core/observe/log";
import type { RunnerMetrics } from "../observe/metrics";
import type { InvocationResult, WorkerPool } from "../sandbox/pool";
import type { RequestParts } from "../sandbox/wire";
import type { BodyBudget } from "./body-budget";
import { holdOpen, letIdle, type Connections } from "./connection";
import { cgiMeta } from "./cgi-meta";
import { guestResponse, outcomeResponse } from "./outcome-response";
import type { RuntimeName } from "../../core/abi/runtimes";
import { readBody, type BodyResult } from "./read-body";
import { requestIdFor } from "./request-id";

/** What the router hands the handler: which loaded function serves this request. */
export interface FunctionTarget {
  key: string;
  name: string;
  /** The function's own body limit; null or absent: the node's. Never more than the node's. */
  maxBodyBytes?: number | null;
  /** wasi: a WASI command, whose request carries its CGI variables (cgi-meta.ts); absent: wasm. */
  runtime?: RuntimeName;
  /** The function's routes, for its CGI SCRIPT_NAME; absent: it serves every path. */
  routes?: readonly string[];
  /** Called once when the request is done with the function (edge nodes drain old versions by it). */
  release?(): void;
}

/** What the router hands the handler for a path it routes but cannot serve now. */
export interface Unavailable {
  unavailable: true;
  name: string;
  reason: string;
}

export interface InvokeDeps {
  pool: WorkerPool;
  metrics: RunnerMetrics;
  logger: Logger;
  /** The node's --max-body-bytes. */
  maxBodyBytes: number;
  /** The node's bytes of request bodies in flight (--max-body-bytes-in-flight). */
  bodies: BodyBudget;
  /** May wait, e.g. while an edge node loads a function its cache had evicted. Null: nothing routed there. */
  resolve(path: string): Resolved | Promise<Resolved>;
}

type Resolved = FunctionTarget | Unavailable | null;

interface Answer {
  outcome: Outcome;
  response: Response;
  detail?: string;
  /** A worker's time on it (InvocationResult.runMs); absent when none ran it. */
  runMs?: number;
}

/** What a request needs carried to its end: for the metrics and the access log. */
interface InFlight {
  request: Request;
  requestId: string;
  path: string;
  started: number;
  connections: Connections;
}

/**
 * `uri`: the request target ("/path?query", see core/http/request-target.ts), null for a malformed request;
 * `path`: its path. `connections`: the server, whose idle timeout an invocation suspends.
 */
export type Invoke = (
  request: Request,
  uri: string | null,
  path: string,
  connections: Connections,
) => Response | Promise<Response>;

export function createInvokeHandler(deps: InvokeDeps): Invoke {
  // Plain functions and one .then per step rather than async functions: each async frame cost
  // a promise and a microtask of its own on the HTTP thread, which is what limits throughput.
  return function invoke(request, uri, path, connections) {
    const started = performance.now();
    const requestId = requestIdFor(request.headers.get("x-request-id"));
    const flight: InFlight = { request, requestId, path, started, connections };
    if (uri === null)
      return finish(deps, flight, null, {
        outcome: "bad_request",
        response: outcomeResponse("bad_request", requestId),
        detail: malformed(request),
      });
    const resolved = deps.resolve(path);
    if (resolved instanceof Promise) return resolved.then((target) => serve(deps, flight, target, uri));
    return serve(deps, flight, resolved, uri);
  };
}

function malformed(request: Request): string {
  const host = request.headers.get("host");
  return host === null
    ? "the request target is not a path"
    : `a Host header that is not a host name: ${JSON.stringify(host.slice(0, 100))}`;
}

function serve(deps: InvokeDeps, flight: InFlight, target: Resolved, uri: string): Response | Promise<Response> {
  const { requestId } = flight;
  if (!target)
    return finish(deps, flight, null, { outcome: "not_found", response: outcomeResponse("not_found", requestId) });
  if ("unavailable" in target)
    return finish(deps, flight, target, {
      outcome: "unavailable",
      response: outcomeResponse("unavailable", requestId),
      detail: target.reason,
    });
  let answer: Answer | Promise<Answer>;
  try {
    answer = run(deps, flight, target, uri);
  } catch (error) {
    target.release?.();
    throw error;
  }
  if (!(answer instanceof Promise)) {
    target.release?.();
    return finish(deps, flight, target, answer);
  }
  return answer.then(
    (done) => {
      target.release?.();
      return finish(deps, flight, target, done);
    },
    (error: unknown) => {
      target.release?.();
      throw error;
    },
  );
}

/** Counts the invocation, logs its line, and hands back the response. */
function finish(
  deps: InvokeDeps,
  flight: InFlight,
  target: FunctionTarget | Unavailable | null,
  answer: Answer,
): Response {
  const seconds = (performance.now() - flight.started) / 1000;
  const name = target?.name ?? "-";
  const runMs = answer.runMs;
  deps.metrics.observeInvocation(name, answer.outcome, seconds, runMs === undefined ? undefined : runMs / 1000);
  const level = OUTCOMES[answer.outcome].level;
  if (deps.logger.enabled(level)) {
    deps.logger.log(level, "invocation", {
      request_id: flight.requestId,
      function: name,
      method: flight.request.method,
      path: flight.path,
      status: answer.response.status,
      outcome: answer.outcome,
      duration_ms: Math.round(seconds * 1e6) / 1e3,
      ...(runMs === undefined ? {} : { run_ms: Math.round(runMs * 1e3) / 1e3 }),
      ...(answer.detail ? { detail: answer.detail } : {}),
    });
  }
  return answer.response;
}

function run(deps: InvokeDeps, flight: InFlight, target: FunctionTarget, uri: string): Answer | Promise<Answer> {
  const own = target.maxBodyBytes;
  const limit = own == null || own > deps.maxBodyBytes ? deps.maxBodyBytes : own;
  const read = readBody(flight.request, limit, deps.bodies);
  if (read instanceof Promise) return read.then((body) => call(deps, flight, target, uri, body, limit));
  return call(deps, flight, target, uri, read, limit);
}

function call(
  deps: InvokeDeps,
  flight: InFlight,
  target: FunctionTarget,
  uri: string,
  body: BodyResult,
  limit: number,
): Answer | Promise<Answer> {
  const { request, requestId, connections } = flight;
  if (!body.ok) return refused(deps, body, limit, requestId);
  let headers = "";
  request.headers.forEach((value, name) => {
    headers += `${name}: ${value}\n`;
  });
  const guestRequest: RequestParts = { method: request.method, uri, headers, body: body.body };
  if (target.runtime === "wasi") guestRequest.cgi = cgiMeta(request, target.routes, flight.path, connections);
  const held = body.held;
  holdOpen(connections, request);
  return deps.pool.invoke(target.key, requestId, guestRequest).then(
    (result) => {
      deps.bodies.give(held);
      letIdle(connections, request);
      return answerOf(result, requestId, request.method === "HEAD");
    },
    (error: unknown) => {
      deps.bodies.give(held);
      letIdle(connections, request);
      throw error;
    },
  );
}

function refused(deps: InvokeDeps, body: Exclude<BodyResult, { ok: true }>, limit: number, requestId: string): Answer {
  const { outcome } = body;
  const detail =
    outcome === "body_too_large"
      ? `limit ${limit} bytes`
      : outcome === "body_budget"
        ? `${deps.bodies.inFlight} of ${deps.bodies.limit} bytes of bodies in flight`
        : body.detail;
  // Connection: close, so a client still sending the refused body stops, and Bun need not take it in.
  const response = outcomeResponse(outcome, requestId);
  response.headers.set("connection", "close");
  return { outcome, response, detail };
}

function answerOf(result: InvocationResult, requestId: string, head: boolean): Answer {
  if (result.outcome === "ok" && result.response) {
    try {
      return { outcome: "ok", response: guestResponse(result.response, requestId, head), runMs: result.runMs };
    } catch (error) {
      // The host calls validate headers; this is the backstop if Bun's Headers still refuses one.
      return {
        outcome: "trap",
        response: outcomeResponse("trap", requestId),
        detail: `response rejected by HTTP layer: ${(error as Error).message}`,
        runMs: result.runMs,
      };
    }
  }
  return {
    outcome: result.outcome,
    response: outcomeResponse(result.outcome, requestId),
    detail: result.detail,
    runMs: result.runMs,
  };
}
