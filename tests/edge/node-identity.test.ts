// Who may be a node, against a real control plane (Bun.serve on 127.0.0.1, real SQLite): every
// node holds the shared read token, so the token must not be enough to take over a node's id,
// fake its revision, kick it off, or fill the node list. Each test is one finding of issue #18.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { MAX_NODE_MESSAGE_BYTES } from "../../core/contract";
import { newKey, watch, type TestSocket } from "./watch-socket";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { runOnStore } from "../helpers/control-store-sql";
import { controlApi, type ControlApi, READ_TOKEN } from "../helpers/control-api";
import { until } from "../helpers/until";

let control: TestControl;
let api: ControlApi;
const sockets: TestSocket[] = [];
async function start(overrides: Parameters<typeof startTestControl>[0] = {}) {
  for (const socket of sockets.splice(0)) socket.close();
  await control?.stop();
  control = await startTestControl(overrides);
  api = controlApi(control.url);
}
async function node(fields: Parameters<TestSocket["hello"]>[0] = {}, query = "?protocol=3"): Promise<TestSocket> {
  const socket = await watch(control.url, query);
  sockets.push(socket);
  socket.hello(fields);
  return socket;
}
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await control?.stop();
  control = undefined as unknown as TestControl;
});

/** A node that said hello and was answered (so its record is written), then closed. */
async function registered(fields: Parameters<TestSocket["hello"]>[0]): Promise<void> {
  const socket = await node(fields);
  await socket.next();
  socket.close();
}
const listed = async (id: string) => (await api.nodes()).nodes.find((n) => n.id === id);

describe("a node's identity is its key, not the shared token", () => {
  test("a hello for a registered id with another key is refused (4003); the real node stays connected and its revision untouched", async () => {
    await start();
    const key = newKey();
    const real = await node({ node_id: "edge-1", key, instance: "real-process", revision: 0 });
    await real.sequence();
    real.send({ type: "applied", revision: 0, problems: [] });
    await until("real node listed", async () => (await listed("edge-1"))?.connected === true);

    const forged = await node({ node_id: "edge-1", key: newKey(), instance: "forger-process", revision: 999 });
    expect(await forged.closed).toEqual({ code: 4003, reason: "node id registered with another node key" });
    // The forger got nothing and changed nothing; the real node was not kicked.
    expect(forged.messages).toEqual([]);
    await Bun.sleep(100);
    expect(real.isClosed()).toBe(false);
    expect(await listed("edge-1")).toMatchObject({
      connected: true,
      applied_revision: 0,
      address: "http://10.0.0.1:3000",
    });
    // Nor can it while the real node is away.
    real.close();
    await until("disconnect recorded", async () => (await listed("edge-1"))?.connected === false);
    const again = await node({ node_id: "edge-1", key: newKey(), instance: "forger-process", revision: 999 });
    expect((await again.closed).code).toBe(4003);
    expect(await listed("edge-1")).toMatchObject({ connected: false, applied_revision: 0 });
    // The real node, with its key, comes back.
    const back = await node({ node_id: "edge-1", key, instance: "real-process-2", revision: 0 });
    expect((await back.next()).type).toBe("snapshot");
  });

  test("two processes with one id and key: the second is refused (4009) and the first keeps its socket; the same process reconnecting replaces its stale socket", async () => {
    await start();
    const key = newKey();
    const first = await node({ node_id: "twin", key, instance: "process-a" });
    await first.sequence();
    for (let round = 0; round < 3; round++) {
      const second = await node({ node_id: "twin", key, instance: "process-b" });
      expect(await second.closed).toEqual({ code: 4009, reason: "node id connected from another process" });
    }
    expect(first.isClosed()).toBe(false);
    expect((await listed("twin"))!.connected).toBe(true);

    const reconnect = await node({ node_id: "twin", key, instance: "process-a" });
    expect((await first.closed).code).toBe(4001);
    expect((await reconnect.next()).type).toBe("snapshot");
    expect((await listed("twin"))!.connected).toBe(true);
  });

  test("a record written before keys is claimed by the first key to come; then only that key", async () => {
    await start();
    const insert = (no: string, a: string, b: string) =>
      `INSERT INTO nodes (id, address, version, applied_revision, connected, connected_at, last_seen, problems) VALUES ('old-node', 'http://o:1', '0.1.0', 0, ${no}, ${a}, ${b}, '[]')`;
    const now = new Date().toISOString();
    await runOnStore(control, { sqlite: insert("0", "?", "?"), postgres: insert("FALSE", "$1", "$2") }, [now, now]);
    const key = newKey();
    const claimed = await node({ node_id: "old-node", key });
    expect((await claimed.next()).type).toBe("snapshot");
    claimed.close();
    await until("disconnect recorded", async () => (await listed("old-node"))?.connected === false);
    expect((await (await node({ node_id: "old-node", key: newKey() })).closed).code).toBe(4003);
  });
});

describe("bounds on what one client with the token can do", () => {
  test("one hello per socket; a message over 64 KiB closes the socket (1009); more messages than the rate allows too (4010)", async () => {
    await start();
    const twice = await node({ node_id: "a" });
    twice.hello({ node_id: "b" });
    expect(await twice.closed).toEqual({ code: 4010, reason: "one hello per socket" });
    expect(await listed("b")).toBeUndefined();

    // The control plane's WebSocket takes at most MAX_NODE_MESSAGE_BYTES from a node.
    const big = await node({ node_id: "big" });
    await big.sequence();
    big.send({ type: "applied", revision: 0, problems: [], padding: "x".repeat(MAX_NODE_MESSAGE_BYTES) });
    expect((await big.closed).code).toBe(1009);

    const chatty = await node({ node_id: "c" });
    await chatty.sequence();
    for (let i = 0; i < 200; i++) chatty.send({ type: "applied", revision: 0, problems: [] });
    expect(await chatty.closed).toEqual({ code: 4010, reason: "too many messages" });
  });

  test("new ids: a burst from one address is cut (4029), and at most --max-nodes records are kept (4008); known ids still connect", async () => {
    await start({ maxNodes: 30 });
    const results: number[] = [];
    for (let i = 0; i < 14; i++) {
      const socket = await node({ node_id: `flood-${i}`, key: newKey() });
      results.push(await Promise.race([socket.closed.then((c) => c.code), socket.next().then(() => 0)]));
      socket.close();
      await socket.closed;
    }
    // 10 new ids at once from one address, then one every 2 s.
    const admitted = results.filter((code) => code === 0).length;
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(11);
    expect(results.filter((code) => code === 4029).length).toBe(14 - admitted);
    expect((await api.nodes()).nodes.length).toBe(admitted);

    await start({ maxNodes: 3 });
    const keys = [newKey(), newKey(), newKey()];
    for (let i = 0; i < 3; i++) await registered({ node_id: `n${i}`, key: keys[i] });
    const fourth = await node({ node_id: "n3", key: newKey() });
    expect(await fourth.closed).toEqual({ code: 4008, reason: "node limit reached (--max-nodes 3)" });
    expect((await (await node({ node_id: "n0", key: keys[0] })).next()).type).toBe("snapshot");
  });

  test("watch sockets per address: a burst beyond 20 is refused before the upgrade with 429", async () => {
    await start();
    const opened = await Promise.allSettled(Array.from({ length: 40 }, () => watch(control.url)));
    const refused = opened.filter((r) => r.status === "rejected");
    for (const r of opened) if (r.status === "fulfilled") sockets.push(r.value);
    expect(opened.length - refused.length).toBeLessThanOrEqual(22); // 20, plus what refilled meanwhile
    expect(refused.length).toBeGreaterThanOrEqual(18);
    const response = await fetch(`${control.url}/api/v1/watch?protocol=3`, {
      headers: {
        authorization: `Bearer ${READ_TOKEN}`,
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ error: { code: "rate_limited" } });
  });
});

describe("the node list", () => {
  test("GET /api/v1/nodes pages by id; DELETE /api/v1/nodes/{id} forgets a node (admin only) and its id registers anew", async () => {
    await start();
    for (const id of ["n-c", "n-a", "n-b"]) await registered({ node_id: id, key: newKey() });
    await until("three listed", async () => (await api.nodes()).nodes.length === 3);
    const first = (await (await api.api("/api/v1/nodes?limit=2", { token: READ_TOKEN })).json()) as {
      nodes: { id: string }[];
      next_cursor: string | null;
    };
    expect([first.nodes.map((n) => n.id), first.next_cursor]).toEqual([["n-a", "n-b"], "n-b"]);
    const second = (await (
      await api.api(`/api/v1/nodes?limit=2&cursor=${first.next_cursor}`, { token: READ_TOKEN })
    ).json()) as { nodes: { id: string }[]; next_cursor: string | null };
    expect([second.nodes.map((n) => n.id), second.next_cursor]).toEqual([["n-c"], null]);
    expect((await api.api("/api/v1/nodes?limit=0", { token: READ_TOKEN })).status).toBe(422);
    expect((await api.api("/api/v1/nodes?limit=1001", { token: READ_TOKEN })).status).toBe(422);

    expect((await api.api("/api/v1/nodes/n-a", { method: "DELETE", token: READ_TOKEN })).status).toBe(403);
    expect((await api.api("/api/v1/nodes/n-a", { method: "DELETE" })).status).toBe(204);
    expect((await api.api("/api/v1/nodes/n-a", { method: "DELETE" })).status).toBe(404);
    expect((await api.nodes()).nodes.map((n) => n.id)).toEqual(["n-b", "n-c"]);
    // Forgotten with its key: a node that lost its cache dir registers again with a new one.
    expect((await (await node({ node_id: "n-a", key: newKey() })).next()).type).toBe("snapshot");
  });

  test("disconnected nodes are forgotten after --node-retention-s; connected ones are kept", async () => {
    await start({ nodeRetentionS: 1 });
    const live = await node({ node_id: "live" });
    await live.sequence();
    const gone = await node({ node_id: "gone", key: newKey() });
    await gone.sequence();
    gone.close();
    await until("gone forgotten", async () => (await listed("gone")) === undefined, 5_000);
    expect((await api.nodes()).nodes.map((n) => n.id)).toEqual(["live"]);
  });
});
