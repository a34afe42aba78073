// A raw TCP client for what fetch cannot do: trickle a body, stop reading a response, go silent.
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
