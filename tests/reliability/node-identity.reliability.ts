// The read token in the hands of a client that is no node (issue #18, "The read token"), with
// real processes: a flood of fake node registrations, a forged hello against a live edge node,
// two edge nodes misconfigured with one id, and dead records expiring. The control plane must
// keep its node list bounded, /healthz answering, real nodes connected with their own
// revision, and a duplicate id must settle instead of flapping.
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { n, report } from "./helpers/report";
import { READ_TOKEN } from "../helpers/control-api";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";

let control: ControlProcess | undefined;
const edges: ServerProcess[] = [];
afterAll(async () => {
  for (const edge of edges) await edge.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

const key = () => randomBytes(32).toString("base64url");

/** One socket, one hello; resolves with the close code (0: the control plane started streaming). */
function hello(url: string, nodeId: string, nodeKey: string, revision = 0): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/v1/watch?protocol=3`, {
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    } as unknown as string[]);
    const done = (code: number) => {
      resolve(code);
      try {
        socket.close();
      } catch {}
    };
    socket.onopen = () =>
      socket.send(
        JSON.stringify({
          type: "hello",
          node_id: nodeId,
          address: "http://forged:1",
          version: "0",
          revision,
          key: nodeKey,
          instance: randomBytes(9).toString("base64url"),
        }),
      );
    socket.onmessage = () => done(0);
    socket.onclose = (event) => done(event.code);
    socket.onerror = () => done(-1);
    setTimeout(() => done(-2), 5_000);
  });
}

async function nodeList(
  url: string,
): Promise<{ bytes: number; nodes: { id: string; connected: boolean; applied_revision: number; address: string }[] }> {
  const response = await fetch(`${url}/api/v1/nodes?limit=1000`, {
    headers: { authorization: `Bearer ${READ_TOKEN}` },
  });
  const text = await response.text();
  return {
    bytes: text.length,
    ...(JSON.parse(text) as { nodes: { id: string; connected: boolean; applied_revision: number; address: string }[] }),
  };
}

test("the read token is not a node: registrations bounded, forged hellos refused, duplicate ids settle, dead records expire", async () => {
  control = await startControlProcess(tempDir("rel-nodes-control-"), {
    extra: ["--node-retention-s", "3", "--max-nodes", "200"],
  });
  const fn = await control.createFunction({ name: "hello-node" });
  void fn;

  // 1. A flood: 16 loops open sockets and say hello with new ids as fast as they can, 5 s.
  const started = performance.now();
  let attempts = 0;
  const codes = new Map<number, number>();
  const healthMs: number[] = [];
  let healthFailures = 0;
  const flooding = async () => {
    while (performance.now() - started < 5_000) {
      attempts++;
      const code = await hello(control!.url, `fake-${randomBytes(6).toString("hex")}`, key());
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  };
  const probing = async () => {
    while (performance.now() - started < 5_000) {
      const t0 = performance.now();
      const answer = await get(`${control!.url}/healthz`);
      healthMs.push(performance.now() - t0);
      if (answer.status !== 200) healthFailures++;
      await Bun.sleep(50);
    }
  };
  await Promise.all([...Array.from({ length: 16 }, flooding), probing()]);
  const afterFlood = await nodeList(control.url);
  healthMs.sort((a, b) => a - b);
  // What this address may open and register refills meanwhile (20 sockets in 4 s, a new id every 2 s).
  await Bun.sleep(5_000);

  // 2. A real edge node, then a forged hello for its id (another key) claiming revision 999.
  const real = await startEdgeProcess(control.url, tempDir("rel-nodes-real-"), "real-node", ["--workers", "1"]);
  edges.push(real);
  const revision = await control.revision();
  await until(
    "real node connected",
    async () =>
      (await nodeList(control!.url)).nodes.some(
        (x) => x.id === "real-node" && x.connected && x.applied_revision === revision,
      ),
    15_000,
  );
  const forged = await Promise.all(Array.from({ length: 5 }, () => hello(control!.url, "real-node", key(), 999)));
  await Bun.sleep(500);
  const realAfter = (await nodeList(control.url)).nodes.find((x) => x.id === "real-node")!;

  // 3. Two edge nodes misconfigured with one id (each with its own cache dir), for 8 s.
  const first = await startEdgeProcess(control.url, tempDir("rel-nodes-dup-a-"), "dup-node", ["--workers", "1"]);
  edges.push(first);
  await until(
    "first dup connected",
    async () => (await nodeList(control!.url)).nodes.some((x) => x.id === "dup-node" && x.connected),
    15_000,
  );
  const second = await startEdgeProcess(control.url, tempDir("rel-nodes-dup-b-"), "dup-node", ["--workers", "1"]);
  edges.push(second);
  const owners = new Set<string>();
  const watchStarted = performance.now();
  while (performance.now() - watchStarted < 8_000) {
    const dup = (await nodeList(control.url)).nodes.find((x) => x.id === "dup-node");
    if (dup?.connected) owners.add(dup.address);
    await Bun.sleep(100);
  }
  const firstDrops = first.lines().filter((line) => line.includes("watch disconnected")).length;
  const secondRefusals = second.lines().filter((line) => line.includes("control plane refused this node")).length;
  const controlRefusals = control
    .lines()
    .filter((line) => line.includes("node refused") && line.includes("dup-node")).length;

  // 4. Dead records expire (--node-retention-s 3): the flood's fake nodes are gone.
  await until(
    "fake nodes forgotten",
    async () => (await nodeList(control!.url)).nodes.every((x) => !x.id.startsWith("fake-")),
    15_000,
  );
  const afterExpiry = await nodeList(control.url);

  const registered = codes.get(0) ?? 0; // hellos that were answered with a snapshot
  report({
    scenario: "read token: fake nodes",
    tried: `16 clients with the read token registering new node ids for 5 s (${n(attempts)} hellos); 5 forged hellos for a live node's id; two nodes with one id for 8 s`,
    amount: `${registered} fake nodes registered (refused: ${[...codes]
      .filter(([c]) => c !== 0)
      .map(([c, k]) => `${k}x ${c === -1 ? "429 at the upgrade" : c}`)
      .join(
        ", ",
      )}); /api/v1/nodes ${n(afterFlood.bytes)} bytes; /healthz p50 ${healthMs[Math.floor(healthMs.length / 2)]!.toFixed(1)} ms, max ${healthMs.at(-1)!.toFixed(1)} ms during the flood; duplicate id: ${owners.size} owner, ${firstDrops} drops of the first, ${secondRefusals} refusals logged by the second`,
    lost: "nothing: the real node kept its socket and revision; fake records expired",
  });

  expect(healthFailures).toBe(0);
  // At most the burst of new ids per address (10) and what refilled in 5 s (one per 2 s).
  expect(registered).toBeLessThanOrEqual(14);
  expect(afterFlood.bytes).toBeLessThan(20_000);
  expect(forged).toEqual([4003, 4003, 4003, 4003, 4003]);
  expect(realAfter).toMatchObject({ connected: true, applied_revision: revision, address: real.url });
  expect(real.lines().filter((line) => line.includes("watch disconnected"))).toEqual([]);
  expect([...owners]).toEqual([first.url]);
  expect(firstDrops).toBe(0);
  expect(secondRefusals).toBeGreaterThanOrEqual(1);
  expect(secondRefusals).toBeLessThanOrEqual(2); // it retries every ~30 s, not in a loop
  expect(controlRefusals).toBeGreaterThanOrEqual(1);
  expect(afterExpiry.nodes.map((x) => x.id).sort()).toEqual(["dup-node", "real-node"]);
}, 120_000);
