// Raw TCP clients for what fetch cannot do: trickle a body, stop reading a response, go silent.
import { connect, type Socket } from "node:net";

export interface RawClient {
  socket: Socket;
  /** Bytes received so far (head and body). */
  received(): number;
  text(): string;
  /** Resolves with the ms since connect when the server closes (or resets) the connection. */
  closed: Promise<number>;
}

export function rawClient(url: string, options: { paused?: boolean } = {}): Promise<RawClient> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let bytes = 0;
    const socket = connect({ host: hostname, port: Number(port) });
    const closed = new Promise<number>((done) => socket.on("close", () => done(performance.now() - started)));
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (chunks.length < 64) chunks.push(chunk);
    });
    socket.on("error", () => {});
    socket.once("connect", () => {
      if (options.paused) socket.pause();
      resolve({ socket, received: () => bytes, text: () => Buffer.concat(chunks).toString("latin1"), closed });
    });
    socket.once("error", reject);
  });
}

export function write(client: RawClient, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => client.socket.write(data, () => resolve()));
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
export function rawExchange(url: string, method: string, path: string, headers: Record<string, string>, body: Uint8Array = new Uint8Array(0)): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    const head = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.byteLength}`, "Connection: close", "", ""].join("\r\n");
    socket.on("connect", () => {
      socket.write(Buffer.from(head, "latin1"));
      if (body.byteLength > 0) socket.write(body);
    });
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => resolve(parseAnswer(Buffer.concat(chunks))));
  });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return { status: 0, headers: {}, body: raw.toString("latin1") };
  const [statusLine, ...lines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf("\r\n", at);
      const size = parseInt(body.subarray(at, eol).toString("latin1"), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: body.toString("utf8") };
}
