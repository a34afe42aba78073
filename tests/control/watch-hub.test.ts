// The watch hub's bounds with sockets it cannot tell from real ones (real SQLite in memory):
// the send window (how many sockets may hold queued pages, and a node that stops reading),
// a socket that never says hello, and a node gone silent.
import { afterEach, describe, expect, test } from "bun:test";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { SqliteNodeStore } from "../../control/store/sqlite-node-store";
import { WatchHub } from "../../control/watch/hub";
import { DEFAULT_WATCH_LIMITS, type WatchSocket } from "../../control/watch/session";
import { SendWindow, type Channel } from "../../control/watch/send-window";
import { KeyedRateLimiter, TokenBucket, addressKey } from "../../control/watch/rate-limit";
import { createLogger } from "../../core/observe/log";
import { functionSpec } from "../helpers/function-spec";
import { until } from "../helpers/until";

class FakeSocket implements WatchSocket {
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  /** What send answers: bytes, -1 (queued behind backpressure) or 0 (dropped). */
  status = 1;
  send(text: string): number {
    this.sent.push(text);
    return this.status === 1 ? text.length : this.status;
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
}

const channel = (status: number): Channel & { sent: number } => {
  const c = { sent: 0, drained: null as (() => void) | null, closed: false, send: () => (c.sent++, status) };
  return c;
};

describe("send window", () => {
  test("at most `permits` sockets hold queued pages; the next waits for a drain; a socket that never drains is dropped", async () => {
    const window = new SendWindow(2, 300);
    const [a, b, c] = [channel(-1), channel(-1), channel(-1)];
    const sends = [window.send(a, "page"), window.send(b, "page"), window.send(c, "page")];
    await Bun.sleep(20);
    expect([a.sent, b.sent, c.sent]).toEqual([1, 1, 0]); // c waits for a permit
    a.drained!();
    expect(await sends[0]).toBe("sent");
    await until("c sent", () => c.sent === 1, 1000);
    expect(await sends[1]).toBe("stalled"); // b never drained
    window.closed(c);
    expect(await sends[2]).toBe("closed");
  });

  test("a message above the cap is never sent", async () => {
    const window = new SendWindow(1, 100);
    const c = channel(1);
    await expect(window.send(c, "x".repeat(4 * 1024 * 1024 + 1))).rejects.toThrow("exceeds MAX_WATCH_MESSAGE_BYTES");
    expect(c.sent).toBe(0);
  });
});

describe("rate limits", () => {
  test("token buckets refill; the keyed limiter stays within its size under a flood of new keys", () => {
    let now = 0;
    const bucket = new TokenBucket({ burst: 2, perSecond: 1 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    now = 1000;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    const limiter = new KeyedRateLimiter({ burst: 1, perSecond: 1 }, 100, () => now);
    for (let i = 0; i < 10_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(101);
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe(addressKey("2001:db8:1:2:ffff::1"));
    expect(addressKey("::ffff:10.0.0.1")).toBe("10.0.0.1");
  });
});

describe("hub", () => {
  let hub: WatchHub | null = null;
  afterEach(() => hub?.stop());

  function makeHub(heartbeatMs: number, stallMs: number) {
    const metadata = new SqliteMetadataStore(":memory:");
    const nodes = new SqliteNodeStore(":memory:");
    hub = new WatchHub({
      metadata,
      nodes,
      logger: createLogger("error"),
      historyId: "h",
      changeRetention: 10,
      heartbeatMs,
      limits: { ...DEFAULT_WATCH_LIMITS, maxNodes: 10, stallMs },
    });
    return { hub, metadata, nodes };
  }
  const hello = {
    type: "hello" as const,
    node_id: "n1",
    address: "http://n1",
    version: "1",
    revision: 0,
    key: "k".repeat(43),
    instance: "instance-1",
  };

  test("a socket that says no hello within the stall time is closed (4010), having been sent nothing", async () => {
    const { hub } = makeHub(1000, 100);
    const socket = new FakeSocket();
    hub.open(socket, "10.0.0.1", 0, undefined);
    await until("closed", () => socket.closed !== null, 2000);
    expect(socket.closed).toEqual({ code: 4010, reason: "no hello" });
    expect(socket.sent).toEqual([]);
  });

  test("a node silent for four heartbeats is closed; one that answers is kept", async () => {
    const { hub } = makeHub(50, 5000);
    const silent = new FakeSocket();
    const talking = new FakeSocket();
    const a = hub.open(silent, "10.0.0.1", 0, undefined);
    const b = hub.open(talking, "10.0.0.2", 0, undefined);
    await hub.message(a, hello);
    await hub.message(b, { ...hello, node_id: "n2" });
    const answering = setInterval(() => void hub.message(b, { type: "applied", revision: 0, problems: [] }), 40);
    await until("silent closed", () => silent.closed !== null, 2000);
    clearInterval(answering);
    expect(silent.closed).toEqual({ code: 1001, reason: "no message from the node" });
    expect(talking.closed).toBeNull();
  });

  test("a node that stops reading mid-snapshot is dropped after the stall time, not held forever", async () => {
    const { hub, metadata } = makeHub(10_000, 200);
    const env = Object.fromEntries(Array.from({ length: 60 }, (_, k) => [`K${k}`, "w".repeat(16_000)]));
    for (let i = 0; i < 12; i++) await metadata.createFunction(functionSpec(`f${i}`, { env }));
    const socket = new FakeSocket();
    socket.status = -1; // every page queues; no drain ever comes
    const session = hub.open(socket, "10.0.0.1", 0, undefined);
    await hub.message(session, hello);
    await until("dropped", () => socket.closed !== null, 3000);
    expect(socket.closed).toEqual({ code: 1013, reason: "node too slow; reconnect" });
    expect(socket.sent.length).toBe(1); // one page, then it waited for a drain that never came
  });
});
