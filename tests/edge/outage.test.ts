// Static stability: the control plane is killed (-9) and the nodes keep serving; a node
// restarted meanwhile serves from its disk; when the control plane is back, nodes resume the
// watch from the revision they had (no snapshot) and catch up on what changed.
import { afterAll, expect, test } from "bun:test";
import { type ServerProcess } from "../helpers/server-process";
import { body } from "../helpers/fetch-text";
import { metric } from "../helpers/metrics-text";
import { READ_TOKEN } from "../helpers/control-api";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { textModule } from "../fixtures/guests";

const dataDir = tempDir("edge-outage-control-");
const cacheA = tempDir("edge-outage-a-");
const cacheB = tempDir("edge-outage-b-");
let control: ControlProcess | null = null;
let a: ServerProcess | null = null;
let b: ServerProcess | null = null;

afterAll(async () => {
  await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL"), control?.kill()]);
});

const snapshots = (node: ServerProcess) => metric(node.url, "edge_sync_messages_total", { type: "snapshot" });
const connected = (node: ServerProcess) => metric(node.url, "edge_sync_connected");

test("control plane down: nodes serve, a restarted node serves from disk, and both catch up when it is back", async () => {
  control = await startControlProcess(dataDir);
  const port = control.port;
  const fn = await control.createFunction({ name: "stable" });
  await control.upload(fn.id, textModule("v1"));
  [a, b] = await Promise.all([
    startEdgeProcess(control.url, cacheA, "outage-a", ["--workers", "1"]),
    startEdgeProcess(control.url, cacheB, "outage-b", ["--workers", "1"]),
  ]);
  const nodeA = a;
  expect([await body(`${a.url}/stable`), await body(`${b.url}/stable`)]).toEqual(["200 v1", "200 v1"]);
  const revision = await control.revision();
  await until("both applied", async () => (await control!.nodes()).nodes.every((n) => n.applied_revision === revision));

  await control.kill();
  await until("node A sees the watch drop", async () => (await connected(nodeA)) === 0);
  for (let i = 0; i < 20; i++)
    expect([await body(`${a.url}/stable`), await body(`${b.url}/stable`)]).toEqual(["200 v1", "200 v1"]);

  await b.stop("SIGKILL");
  b = await startEdgeProcess(`http://127.0.0.1:${port}`, cacheB, "outage-b", ["--workers", "1"]);
  const nodeB = b;
  expect(b.banner).toContain(`revision ${revision} restored from disk`);
  expect(await body(`${b.url}/stable`)).toBe("200 v1");
  expect(await connected(nodeB)).toBe(0);

  control = await startControlProcess(dataDir, { port });
  await until(
    "both nodes reconnect",
    async () => (await connected(nodeA)) === 1 && (await connected(nodeB)) === 1,
    15_000,
  ).catch((error) => {
    // Seen once in a full run and not reproduced since: say what the nodes logged (warn and up).
    throw new Error(`${error.message}\nnode A: ${nodeA.lines().join("\n")}\nnode B: ${nodeB.lines().join("\n")}`);
  });
  // They resumed after the revision they had: A's only snapshot is its first; B (restarted from disk) got none.
  expect(await snapshots(nodeA)).toBe(1);
  expect(await snapshots(nodeB)).toBe(0);
  await until("the control plane lists both as connected and current", async () =>
    (await control!.nodes()).nodes.every((n) => n.connected && n.applied_revision === revision),
  );

  await control.upload(fn.id, textModule("v2"));
  await until(
    "both serve v2",
    async () => (await body(`${nodeA.url}/stable`)) === "200 v2" && (await body(`${nodeB.url}/stable`)) === "200 v2",
  );

  // Connection failures were logged, the token never.
  expect(nodeB.lines().some((line) => line.includes("watch connection failed"))).toBe(true);
  for (const node of [nodeA, nodeB]) expect(node.lines().join("\n")).not.toContain(READ_TOKEN);

  // A node that was away while changes happened resumes from its revision and catches up.
  expect(await a.stop("SIGTERM")).toBe(0);
  const other = await control.createFunction({ name: "other" });
  await control.upload(other.id, textModule("other"));
  await control.upload(fn.id, textModule("v3"));
  a = await startEdgeProcess(control.url, cacheA, "outage-a", ["--workers", "1"]);
  const back = a;
  await until(
    "A caught up",
    async () => (await body(`${back.url}/stable`)) === "200 v3" && (await body(`${back.url}/other`)) === "200 other",
  );
  expect(await snapshots(back)).toBe(0);
  expect(await metric(back.url, "edge_sync_messages_total", { type: "changes" })).toBeGreaterThanOrEqual(1);
  expect(await metric(back.url, "edge_applied_revision")).toBe(await control.revision());
});
