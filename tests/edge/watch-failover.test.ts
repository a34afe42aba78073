// The watch client's failover, against real WebSocket servers on 127.0.0.1 standing in for
// control planes: a silent one is left for the next URL, which is asked to resume at the same
// revision and history; the backoff applies once per full round of the list (as often as today
// with one URL); a control plane that refuses the node is left for the next at once, the slow
// retry kept for a round in which they all failed.
import { afterAll, expect, test } from "bun:test";
import type { Server } from "bun";
import { WATCH_CLOSE, type HelloMessage } from "../../core/contract";
import { createLogger } from "../../core/observe/log";
import { Backoff } from "../../runner/edge/backoff";
import { ControlPlanes } from "../../runner/edge/control-planes";
import { WatchClient } from "../../runner/edge/sync/watch-client";
import { until } from "../helpers/until";
import { newKey } from "./watch-socket";

const TOKEN = "node-token-0123456789abcdef";
type Behaviour = "silent" | "reject" | "refuse" | "flap";
interface Upgrade {
  query: string;
  authorization: string | null;
}

const servers: Server<unknown>[] = [];
const clients: WatchClient[] = [];
afterAll(() => {
  for (const client of clients) client.stop();
  for (const server of servers) server.stop(true);
});

/** A stand-in control plane: accepts and says nothing, answers 503 to the upgrade, refuses the node (4003), or answers one heartbeat and closes. */
function controlPlane(behaviour: Behaviour, onRequest: (count: number) => void = () => {}) {
  const upgrades: Upgrade[] = [];
  const hellos: HelloMessage[] = [];
  const server: Server<unknown> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request, srv): Response | undefined {
      upgrades.push({ query: new URL(request.url).search, authorization: request.headers.get("authorization") });
      onRequest(upgrades.length);
      if (behaviour === "reject") return new Response("down", { status: 503 });
      return srv.upgrade(request, { data: undefined }) ? undefined : new Response("no upgrade", { status: 400 });
    },
    websocket: {
      message(socket, text) {
        hellos.push(JSON.parse(String(text)) as HelloMessage);
        if (behaviour === "refuse") socket.close(WATCH_CLOSE.keyMismatch, "node key differs");
        if (behaviour === "flap") {
          socket.send(JSON.stringify({ type: "heartbeat", revision: 0 }));
          socket.close(1001, "going away");
        }
      },
    },
  });
  servers.push(server);
  return { url: server.url.origin, upgrades, hellos };
}

/** A backoff that says how often it was asked, with short steps. */
class CountingBackoff extends Backoff {
  calls = 0;
  override next(): number {
    this.calls++;
    return 5;
  }
}

function client(urls: string[], options: { silenceMs?: number; backoff?: Backoff } = {}) {
  const lines: Record<string, unknown>[] = [];
  const key = newKey();
  const watch = new WatchClient({
    controlPlanes: new ControlPlanes(urls),
    token: TOKEN,
    logger: createLogger("debug", {}, (line) => lines.push(JSON.parse(line))),
    hello: () => ({
      type: "hello",
      node_id: "n1",
      address: "http://n1",
      version: "0",
      revision: 42,
      key,
      instance: "instance-1",
    }),
    resumePoint: () => ({ since: 42, history: "history-1" }),
    onMessage: () => "ok",
    onConnected: () => {},
    ...options,
  });
  clients.push(watch);
  watch.start();
  return { watch, lines };
}

test("a silent control plane is left for the next one, which is asked to resume at the same revision and history", async () => {
  const silent = controlPlane("silent");
  const next = controlPlane("silent");
  const { watch, lines } = client([silent.url, next.url], { silenceMs: 300 });
  await until("the next control plane is asked", () => next.hellos.length === 1);
  watch.stop();
  const resume = "?protocol=3&since=42&history=history-1";
  for (const cp of [silent, next]) {
    expect(cp.upgrades).toEqual([{ query: resume, authorization: `Bearer ${TOKEN}` }]);
    expect(cp.hellos).toEqual([expect.objectContaining({ type: "hello", node_id: "n1", revision: 42 })]);
  }
  expect(lines.map((l) => [l.msg, l.control_plane])).toEqual([
    ["watch connected", silent.url],
    ["watch silent; reconnecting", silent.url],
    ["watch disconnected; failing over", silent.url],
    ["watch connected", next.url],
  ]);
  expect(lines[2]).toMatchObject({ next_control_plane: next.url, retry_in_ms: 0 });
  expect(JSON.stringify(lines)).not.toContain(TOKEN);
});

test("the backoff applies once per full round of the list, as today with one URL", async () => {
  const backoff = new CountingBackoff();
  let stopAt: WatchClient | null = null;
  const first = controlPlane("reject", (count) => count === 3 && stopAt?.stop());
  const second = controlPlane("reject");
  stopAt = client([first.url, second.url], { backoff }).watch;
  await until("the third round starts", () => first.upgrades.length === 3);
  expect([first.upgrades.length, second.upgrades.length, backoff.calls]).toEqual([3, 2, 2]);

  const alone = new CountingBackoff();
  let stopAlone: WatchClient | null = null;
  const only = controlPlane("reject", (count) => count === 3 && stopAlone?.stop());
  const { lines } = client([only.url], { backoff: alone });
  stopAlone = clients.at(-1)!;
  await until("three attempts", () => only.upgrades.length === 3);
  expect(alone.calls).toBe(2);
  // One control plane: no failover in what it logs.
  expect(lines.find((l) => String(l.msg).startsWith("watch connection failed"))).toMatchObject({
    msg: "watch connection failed",
    control_plane: only.url,
  });
  expect(lines.some((l) => "next_control_plane" in l)).toBe(false);
});

test("control planes that each answer and then close still cost a backoff step per round: no reconnects without pause", async () => {
  const backoff = new CountingBackoff();
  let stopAt: WatchClient | null = null;
  const first = controlPlane("flap", (count) => count === 3 && stopAt?.stop());
  const second = controlPlane("flap");
  stopAt = client([first.url, second.url], { backoff }).watch;
  await until("the third round starts", () => first.upgrades.length === 3);
  expect([first.upgrades.length, second.upgrades.length, backoff.calls]).toEqual([3, 2, 2]);
});

test("a control plane that refuses the node is left for the next at once; the slow retry waits for a round they all failed", async () => {
  const refusing = controlPlane("refuse");
  const next = controlPlane("silent");
  const { watch, lines } = client([refusing.url, next.url]);
  await until("the next control plane is asked", () => next.hellos.length === 1);
  watch.stop();
  expect(lines.find((l) => l.msg === "control plane refused this node")).toMatchObject({
    level: "error",
    control_plane: refusing.url,
    next_control_plane: next.url,
    code: WATCH_CLOSE.keyMismatch,
    retry_in_ms: 0,
  });

  const alsoRefusing = controlPlane("refuse");
  const both = client([alsoRefusing.url, controlPlane("refuse").url]);
  await until("both refused", () => both.lines.filter((l) => l.msg === "control plane refused this node").length === 2);
  both.watch.stop();
  const [firstRefusal, secondRefusal] = both.lines.filter((l) => l.msg === "control plane refused this node");
  expect(firstRefusal!.retry_in_ms).toBe(0);
  expect(secondRefusal!.retry_in_ms).toBeGreaterThanOrEqual(15_000);
});
