// The control plane's HTTP API as the CLI uses it. Every answer that is not one the caller
// expects becomes a Failure carrying the server's error code and message on one line; a
// control plane that cannot be reached says so with the URL. The token travels only in the
// Authorization header and appears in no message.
import { Failure } from "../output/errors";
import type { Connection } from "../connection/resolve";

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  /** A JSON body (sent with Content-Type: application/json). */
  json?: unknown;
  /** A raw body with its own headers. */
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Statuses that are answers rather than failures (default: 200, 201, 204). */
  ok?: readonly number[];
  timeoutMs?: number;
}

export class ControlPlane {
  readonly url: string;
  readonly #token: string;

  constructor(connection: Pick<Connection, "url" | "token">) {
    this.url = connection.url;
    this.#token = connection.token;
  }

  /** The answer as it comes, whatever its status; only an unreachable control plane throws. */
  async fetch(method: string, path: string, init: { body?: string; contentType?: string } = {}): Promise<Response> {
    const headers = new Headers({ authorization: `Bearer ${this.#token}` });
    if (init.contentType) headers.set("content-type", init.contentType);
    try {
      return await fetch(this.url + path, { method, headers, body: init.body, redirect: "manual" });
    } catch (error) {
      throw new Failure(`cannot reach the control plane at ${this.url}: ${reason(error)}`, "unreachable");
    }
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers = new Headers(options.headers);
    headers.set("authorization", `Bearer ${this.#token}`);
    let body: Uint8Array | string | undefined = options.body;
    if (options.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      throw new Failure(`cannot reach the control plane at ${this.url}: ${reason(error)}`, "unreachable");
    }
    const text = await response.text();
    if (!(options.ok ?? [200, 201, 204]).includes(response.status)) throw refusal(method, path, response, text);
    let parsed: unknown = text;
    if (text && (response.headers.get("content-type") ?? "").includes("json")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Failure(`${method} ${path}: the control plane answered ${response.status} with invalid JSON`);
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

function reason(error: unknown): string {
  const e = error as { code?: string; name?: string; message?: string };
  if (e.name === "TimeoutError") return "no answer in time";
  return e.code ?? e.message ?? String(error);
}

/** The server's error as one line: "code: message (HTTP status)". */
function refusal(method: string, path: string, response: Response, text: string): Failure {
  let error: { code?: string; message?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
  } catch {
    error = undefined;
  }
  const status = `HTTP ${response.status}`;
  if (error?.code && error.message)
    return new Failure(`${error.code}: ${oneLine(error.message)} (${status})`, error.code);
  const what =
    response.status === 404
      ? "not found (is this an EdgeBase control plane, and new enough?)"
      : oneLine(text).slice(0, 200) || response.statusText;
  return new Failure(`${method} ${path}: ${status}: ${what}`, `http_${response.status}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
