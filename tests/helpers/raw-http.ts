// One HTTP/1.1 exchange over a plain socket, for what fetch would normalise away: repeated
// request headers, header case, custom methods, and repeated response headers on the wire.
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
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no response head in ${JSON.stringify(raw.toString("latin1").slice(0, 200))}`);
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers = headerLines.map((line): [string, string] => {
    const colon = line.indexOf(":");
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
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
