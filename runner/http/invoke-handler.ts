// HTTP request -> guest request -> pool -> HTTP response, with one access-log line and one
// metrics observation per request. The sandbox below it knows nothing about HTTP.
import type { Outcome } from "../outcome";
import { OUTCOMES } from "../outcome";
import type { Logger } from "../observe/log";
import type { RunnerMetrics } from "../observe/metrics";
import type { InvocationResult, WorkerPool } from "../sandbox/pool";
import type { RequestParts } from "../sandbox/wire";
import { guestResponse, outcomeResponse } from "./outcome-response";
import { readBody, type BodyResult } from "./read-body";
import { requestIdFor } from "./request-id";

/** What the router hands the handler: which loaded function serves this request. */
export interface FunctionTarget {
  key: string;
  name: string;
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
  maxBodyBytes: number;
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
}

export function createInvokeHandler(deps: InvokeDeps) {
  // Plain functions and one .then per step rather than async functions: each async frame cost
  // a promise and a microtask of its own on the HTTP thread, which is what limits throughput.
  return function invoke(request: Request): Response | Promise<Response> {
    const started = performance.now();
    const requestId = requestIdFor(request.headers.get("x-request-id"));
    const url = request.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const uri = pathStart < 0 ? "/" : url.slice(pathStart);
    const qs = uri.indexOf("?");
    const path = qs < 0 ? uri : uri.slice(0, qs);
    const flight: InFlight = { request, requestId, path, started };
    const resolved = deps.resolve(path);
    if (resolved instanceof Promise) return resolved.then((target) => serve(deps, flight, target, uri));
    return serve(deps, flight, resolved, uri);
  };
}

function serve(deps: InvokeDeps, flight: InFlight, target: Resolved, uri: string): Response | Promise<Response> {
  const { requestId } = flight;
  if (!target) return finish(deps, flight, null, { outcome: "not_found", response: outcomeResponse("not_found", requestId) });
  if ("unavailable" in target) return finish(deps, flight, target, { outcome: "unavailable", response: outcomeResponse("unavailable", requestId), detail: target.reason });
  let answer: Answer | Promise<Answer>;
  try {
    answer = run(deps, flight.request, target, uri, requestId);
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
function finish(deps: InvokeDeps, flight: InFlight, target: FunctionTarget | Unavailable | null, answer: Answer): Response {
  const seconds = (performance.now() - flight.started) / 1000;
  const name = target?.name ?? "-";
  const runMs = answer.runMs;
  deps.metrics.observeInvocation(name, answer.outcome, seconds, runMs === undefined ? undefined : runMs / 1000);
  const level = OUTCOMES[answer.outcome].level;
  if (deps.logger.enabled(level)) {
    deps.logger.log(level, "invocation", {
      request_id: flight.requestId, function: name, method: flight.request.method, path: flight.path,
      status: answer.response.status, outcome: answer.outcome, duration_ms: Math.round(seconds * 1e6) / 1e3,
      ...(runMs === undefined ? {} : { run_ms: Math.round(runMs * 1e3) / 1e3 }),
      ...(answer.detail ? { detail: answer.detail } : {}),
    });
  }
  return answer.response;
}

function run(deps: InvokeDeps, request: Request, target: FunctionTarget, uri: string, requestId: string): Answer | Promise<Answer> {
  const read = readBody(request, deps.maxBodyBytes);
  if (read instanceof Promise) return read.then((body) => call(deps, request, target, uri, requestId, body));
  return call(deps, request, target, uri, requestId, read);
}

function call(deps: InvokeDeps, request: Request, target: FunctionTarget, uri: string, requestId: string, body: BodyResult): Answer | Promise<Answer> {
  if (!body.ok) return { outcome: "body_too_large", response: outcomeResponse("body_too_large", requestId), detail: `limit ${deps.maxBodyBytes} bytes` };
  let headers = "";
  request.headers.forEach((value, name) => {
    headers += `${name}: ${value}\n`;
  });
  const guestRequest: RequestParts = { method: request.method, uri, headers, body: body.body };
  return deps.pool.invoke(target.key, requestId, guestRequest).then((result) => answerOf(result, requestId, request.method === "HEAD"));
}

function answerOf(result: InvocationResult, requestId: string, head: boolean): Answer {
  if (result.outcome === "ok" && result.response) {
    try {
      return { outcome: "ok", response: guestResponse(result.response, requestId, head), runMs: result.runMs };
    } catch (error) {
      // The host calls validate headers; this is the backstop if Bun's Headers still refuses one.
      return { outcome: "trap", response: outcomeResponse("trap", requestId), detail: `response rejected by HTTP layer: ${(error as Error).message}`, runMs: result.runMs };
    }
  }
  return { outcome: result.outcome, response: outcomeResponse(result.outcome, requestId), detail: result.detail, runMs: result.runMs };
}
