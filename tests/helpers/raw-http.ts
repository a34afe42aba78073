// One HTTP/1.1 exchange over a plain socket, for what fetch would normalise away: repeated
// request headers, header case, custom methods, paths as written, pipelined requests, and
// repeated response headers on the wire.
import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Header lines as received, names lower-cased, repeats kept apart. */
  headers: [string, string][];
  body: Uint8Array;
}

/** Sends `lines` (request line and headers, no trailing blank line) plus `Connection: close`, reads to EOF. */
export function rawRequest(url: string, lines: string[], body: Uint8Array = new Uint8Array(0)): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const head = [...lines, "Connection: close", "", ""].join("\r\n");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(head);
      if (body.byteLength > 0) socket.write(body);
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error("raw request timed out")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      try {
        resolve(parse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parse(raw: Buffer): RawResponse {
  const response = split(raw);
  if (!response) throw new Error(`no response head in ${JSON.stringify(raw.toString("latin1").slice(0, 200))}`);
  return response;
}

/** The status line, header lines and (de-chunked) body of the first response in `raw`; null without a head. */
function split(raw: Buffer): RawResponse | null {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(statusLine!.split(" ")[1]);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  let body: Uint8Array = new Uint8Array(raw.subarray(end + 4));
  if (headers.some(([k, v]) => k === "transfer-encoding" && v.toLowerCase() === "chunked")) body = dechunk(body);
  return { status, headers, body };
}

function dechunk(data: Uint8Array): Uint8Array {
  const buf = Buffer.from(data);
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = buf.indexOf("\r\n", at);
    const size = parseInt(buf.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size > 0)) break;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return new Uint8Array(Buffer.concat(parts));
}

export interface RawReply {
  /** Every byte the server sent before the connection ended. */
  raw: string;
  /** The status of each response in `raw`, in order (empty when it sent none). */
  statuses: number[];
  /** The first response's body (de-chunked), as latin1 text; "" when none. */
  body: string;
  /** "closed": the server ended the connection; "timeout": it was still open after `timeoutMs`. */
  ended: "closed" | "timeout";
  /** ms from connect to the end. */
  ms: number;
}

/**
 * Writes `data` exactly as given (no Host, no Connection header added: a request line of any
 * shape, pipelined requests, bare bytes) and reads until the server closes or `timeoutMs`.
 */
export function rawSend(url: string, data: string | Uint8Array, timeoutMs = 10_000): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let ended: RawReply["ended"] = "closed";
    const socket = connect({ host: hostname, port: Number(port) }, () =>
      socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data),
    );
    socket.setTimeout(timeoutMs, () => {
      ended = "timeout";
      socket.destroy();
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString("latin1");
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
      let body = "";
      try {
        if (statuses.length > 0) {
          const first = parse(raw);
          const length = first.headers.find(([name]) => name === "content-length");
          body = Buffer.from(length ? first.body.subarray(0, Number(length[1])) : first.body).toString("latin1");
        }
      } catch {
        body = text;
      }
      resolve({ raw: text, statuses, body, ended, ms: performance.now() - started });
    });
  });
}

export interface RawAnswer {
  /** 0 when the server closed without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request written as given (the path is not normalised: `../` and raw bytes reach the
 * server), Content-Length and Connection: close added. Whatever the server answered before it
 * closed is parsed, even if it stopped reading the body early (a 413 mid-upload).
 */
export function rawExchange(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array = new Uint8Array(0),
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const head = [
      `${method} ${path} HTTP/1.1`,
      "Host: 127.0.0.1",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${body.byteLength}`,
      "Connection: close",
      "",
      "",
    ].join("\r\n");
    socket.on("connect", () => {
      socket.write(Buffer.from(head, "latin1"));
      if (body.byteLength > 0) socket.write(body);
    });
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      const raw = Buffer.concat(chunks);
      const response = split(raw);
      if (!response) return resolve({ status: 0, headers: {}, body: raw.toString("latin1") });
      resolve({
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: Buffer.from(response.body).toString("utf8"),
      });
    });
  });
}
