// A watch client for tests, spoken with a plain WebSocket: it keeps every message the control
// plane sent (and its size in bytes), and says hello as a node would.
import { randomBytes } from "node:crypto";
import type { HelloMessage, ServerMessage } from "../../core/contract";
import { READ_TOKEN } from "../helpers/control-api";
import { until } from "../helpers/until";

export interface TestSocket {
  /** Messages other than heartbeats, in order. */
  messages: ServerMessage[];
  heartbeats: number;
  /** UTF-8 size of every message received, heartbeats included. */
  sizes: number[];
  closed: Promise<{ code: number; reason: string }>;
  isClosed(): boolean;
  /** The next message not yet taken (skipping heartbeats). */
  next(ms?: number): Promise<ServerMessage>;
  /** Messages up to and including the next one with `last: true` (a whole sequence). */
  sequence(ms?: number): Promise<ServerMessage[]>;
  send(message: unknown): void;
  hello(fields?: Partial<HelloMessage>): void;
  close(): void;
}

export const newKey = (): string => randomBytes(32).toString("base64url");

export function watch(url: string, query = "?protocol=3", token: string | null = READ_TOKEN): Promise<TestSocket> {
  const socket = new WebSocket(
    `${url.replace("http", "ws")}/api/v1/watch${query}`,
    (token ? { headers: { authorization: `Bearer ${token}` } } : {}) as unknown as string[],
  );
  const messages: ServerMessage[] = [];
  const sizes: number[] = [];
  let heartbeats = 0;
  let taken = 0;
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>(
    (resolve) => (socket.onclose = (e) => ((isClosed = true), resolve({ code: e.code, reason: e.reason }))),
  );
  socket.onmessage = (event) => {
    const text = String(event.data);
    sizes.push(Buffer.byteLength(text));
    const message = JSON.parse(text) as ServerMessage;
    if (message.type === "heartbeat") heartbeats++;
    else messages.push(message);
  };
  const next = async (ms = 10_000) => {
    await until("a watch message", () => messages.length > taken || isClosed, ms);
    if (messages.length <= taken) throw new Error("socket closed before the next message");
    return messages[taken++]!;
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () =>
      resolve({
        messages,
        get heartbeats() {
          return heartbeats;
        },
        sizes,
        closed,
        isClosed: () => isClosed,
        next,
        async sequence(ms) {
          const taken: ServerMessage[] = [];
          for (;;) {
            const message = await next(ms);
            taken.push(message);
            if ((message.type === "snapshot" || message.type === "changes") && message.last) return taken;
          }
        },
        send: (message) => socket.send(JSON.stringify(message)),
        hello(fields = {}) {
          socket.send(
            JSON.stringify({
              type: "hello",
              node_id: "edge-1",
              address: "http://10.0.0.1:3000",
              version: "0.1.0",
              revision: 0,
              key: "k".repeat(43),
              instance: "instance-1",
              ...fields,
            }),
          );
        },
        close: () => socket.close(),
      });
    socket.onerror = (event) => reject(new Error((event as ErrorEvent).message));
  });
}
