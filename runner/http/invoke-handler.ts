// HTTP request -> guest request -> pool -> HTTP response, with one access-log line and one
// metrics observation per request. The sandbox below it knows nothing about HTTP.
import type { Outcome } from "../outcome";
import { OUTCOMES } from "../outcome";
import type { Logger } from "../observe/log";
import type { RunnerMetrics } from "../observe/metrics";
import type { InvocationResult, WorkerPool } from "../sandbox/pool";
import type { RequestParts } from "../sandbox/wire";
import { guestResponse, outcomeResponse } from "./outcome-response";
import { readBody } from "./read-body";
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
}

export function createInvokeHandler(deps: InvokeDeps) {
  return async function invoke(request: Request): Promise<Response> {
    const started = performance.now();
    const requestId = requestIdFor(request.headers.get("x-request-id"));
    const url = request.url;
    const pathStart = url.indexOf("/", url.indexOf("//") + 2);
    const uri = pathStart < 0 ? "/" : url.slice(pathStart);
    const qs = uri.indexOf("?");
    const path = qs < 0 ? uri : uri.slice(0, qs);

    const resolved = deps.resolve(path);
    const target = resolved instanceof Promise ? await resolved : resolved;
    let answer: Answer;
    if (!target) answer = { outcome: "not_found", response: outcomeResponse("not_found", requestId) };
    else if ("unavailable" in target) answer = { outcome: "unavailable", response: outcomeResponse("unavailable", requestId), detail: target.reason };
    else {
      try {
        answer = await run(deps, request, target, uri, requestId);
      } finally {
        target.release?.();
      }
    }

    const seconds = (performance.now() - started) / 1000;
    const name = target?.name ?? "-";
    deps.metrics.observeInvocation(name, answer.outcome, seconds);
    const level = OUTCOMES[answer.outcome].level;
    if (deps.logger.enabled(level)) {
      deps.logger.log(level, "invocation", {
        request_id: requestId, function: name, method: request.method, path,
        status: answer.response.status, outcome: answer.outcome, duration_ms: Math.round(seconds * 1e6) / 1e3,
        ...(answer.detail ? { detail: answer.detail } : {}),
      });
    }
    return answer.response;
  };
}

async function run(deps: InvokeDeps, request: Request, target: FunctionTarget, uri: string, requestId: string): Promise<Answer> {
  const read = readBody(request, deps.maxBodyBytes);
  const body = read instanceof Promise ? await read : read;
  if (!body.ok) return { outcome: "body_too_large", response: outcomeResponse("body_too_large", requestId), detail: `limit ${deps.maxBodyBytes} bytes` };

  let headers = "";
  request.headers.forEach((value, name) => {
    headers += `${name}: ${value}\n`;
  });
  const guestRequest: RequestParts = { method: request.method, uri, headers, body: body.body };
  const result: InvocationResult = await deps.pool.invoke(target.key, requestId, guestRequest);
  if (result.outcome === "ok" && result.response) {
    try {
      return { outcome: "ok", response: guestResponse(result.response, requestId, request.method === "HEAD") };
    } catch (error) {
      // The host calls validate headers; this is the backstop if Bun's Headers still refuses one.
      return { outcome: "trap", response: outcomeResponse("trap", requestId), detail: `response rejected by HTTP layer: ${(error as Error).message}` };
    }
  }
  return { outcome: result.outcome, response: outcomeResponse(result.outcome, requestId), detail: result.detail };
}
