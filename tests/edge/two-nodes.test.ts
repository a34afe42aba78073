// Two edge runners (real processes) follow one control plane: deploy, switch versions and
// measure how long it takes, roll back, change routes, env and limits, delete; and a version
// whose bytes were changed on the way, or on a node's disk, is refused while the old one serves.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess } from "../helpers/server-process";
import { guest, textModule } from "../fixtures/guests";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { body } from "../helpers/fetch-text";
import { controlApi, type ControlApi } from "../helpers/control-api";
import { metric } from "../helpers/metrics-text";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

let control: TestControl;
let api: ControlApi;
let a: ServerProcess;
let b: ServerProcess;
const cacheA = tempDir("edge-a-");
const cacheB = tempDir("edge-b-");
let greet: { id: string };

beforeAll(async () => {
  control = await startTestControl();
  api = controlApi(control.url);
  greet = await api.createFunction({ name: "greet" });
  await api.upload(greet.id, textModule("v1"));
  [a, b] = await Promise.all([
    startEdgeProcess(control.url, cacheA, "node-a", ["--workers", "1"]),
    startEdgeProcess(control.url, cacheB, "node-b", ["--workers", "1"]),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
  await control?.stop();
});

const both = () => [a, b];
const onBoth = async (path: string, init?: RequestInit) =>
  Promise.all(both().map((node) => body(node.url + path, init)));
const allServe = (path: string, expected: string) => async () =>
  (await onBoth(path)).every((answer) => answer === expected);

describe("serving what the control plane deployed", () => {
  test("both nodes serve the function on its default routes; other paths are 404 in the error shape", async () => {
    expect(a.banner).toContain("edge node node-a following");
    expect(await onBoth("/greet")).toEqual(["200 v1", "200 v1"]);
    expect(await onBoth("/greet/anything/below?q=1")).toEqual(["200 v1", "200 v1"]);
    for (const node of both()) {
      const response = await fetch(`${node.url}/greeting`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string; request_id: string } }).error).toMatchObject({
        code: "not_found",
        request_id: expect.any(String),
      });
    }
  });

  test("GET /api/v1/nodes lists both nodes at the current revision", async () => {
    const revision = await api.revision();
    await until(
      "both nodes report the revision",
      async () => (await api.nodes()).nodes.filter((n) => n.connected && n.applied_revision === revision).length === 2,
    );
    const { nodes } = await api.nodes();
    expect(nodes.map((n) => n.id)).toEqual(["node-a", "node-b"]);
    expect(nodes[0]!.address).toBe(a.url);
    expect(await metric(a.url, "edge_applied_revision")).toBe(revision);
    expect(await metric(a.url, "edge_sync_connected")).toBe(1);
  });

  test("activating version 2 switches both nodes; rollback switches them back", async () => {
    const { version } = await api.upload(greet.id, textModule("v2"), false);
    expect(version).toBe(2);
    expect(await onBoth("/greet")).toEqual(["200 v1", "200 v1"]);

    const started = performance.now();
    await api.activate(greet.id, 2);
    const activated = performance.now();
    await until("both nodes serve v2", allServe("/greet", "200 v2"));
    const served = performance.now();
    const revision = await api.revision();
    await until("both nodes report it applied", async () =>
      (await api.nodes()).nodes.every((n) => n.applied_revision >= revision),
    );
    const reported = performance.now();
    console.log(
      `propagation: activate answered in ${(activated - started).toFixed(1)} ms; both nodes serve v2 ${(served - started).toFixed(1)} ms after the request; both report revision ${revision} applied after ${(reported - started).toFixed(1)} ms`,
    );

    const rollbackStarted = performance.now();
    await api.activate(greet.id, 1);
    await until("both nodes serve v1 again", allServe("/greet", "200 v1"));
    console.log(
      `propagation: rollback to v1 served by both nodes after ${(performance.now() - rollbackStarted).toFixed(1)} ms`,
    );
  });

  test("routes: prefixes and exact paths; a route change moves the function at once on both nodes", async () => {
    const deep = await api.createFunction({ name: "deep", routes: ["/api/deep/*"] });
    await api.upload(deep.id, textModule("deep"));
    await api.patch(greet.id, { routes: ["/api/users/*", "/exact"] });
    await until("greet moved", allServe("/api/users/7", "200 v1"));
    expect(await onBoth("/api/deep/x")).toEqual(["200 deep", "200 deep"]);
    expect(await onBoth("/exact")).toEqual(["200 v1", "200 v1"]);
    for (const path of ["/api/users", "/api/deeper", "/exact/more", "/greet"])
      expect((await onBoth(path)).map((r) => r.slice(0, 3))).toEqual(["404", "404"]);
    await api.patch(greet.id, { routes: ["/greet", "/greet/*"] });
    await until("greet back on /greet", allServe("/greet", "200 v1"));
    expect((await onBoth("/exact")).map((r) => r.slice(0, 3))).toEqual(["404", "404"]);
  });

  test("env and limits come from the control plane", async () => {
    const env = await api.createFunction({ name: "env", env: { COLOR: "red" } });
    await api.upload(env.id, guest("env-get"));
    const post = (node: ServerProcess) => body(`${node.url}/env`, { method: "POST", body: "COLOR" });
    await until("env deployed", async () => (await Promise.all(both().map(post))).every((r) => r === "200 [red]"));
    await api.patch(env.id, { env: { COLOR: "blue" } });
    await until("new env on both", async () => (await Promise.all(both().map(post))).every((r) => r === "200 [blue]"));

    const slow = await api.createFunction({ name: "slow", max_execution_ms: 100 });
    await api.upload(slow.id, guest("busy-wait"));
    await until("slow deployed", async () => (await onBoth("/slow")).every((r) => r.startsWith("504")));
    await api.patch(slow.id, { max_execution_ms: 2000 });
    await until("new deadline on both", allServe("/slow", "200 waited"));

    // memory-bomb "g" grows by one page and answers memory.size: the cap decides 1 or 2.
    const bomb = await api.createFunction({ name: "bomb", memory_pages: 1 });
    await api.upload(bomb.id, guest("memory-bomb"));
    const grow = () => onBoth("/bomb", { headers: { "x-bomb": "g" } });
    await until("a 1-page cap on both", async () => (await grow()).every((r) => r === "200 pages=1"));
    await api.patch(bomb.id, { memory_pages: 2 });
    await until("a 2-page cap on both", async () => (await grow()).every((r) => r === "200 pages=2"));
  });

  test("deleting a function: 404 on both nodes", async () => {
    const doomed = await api.createFunction({ name: "doomed" });
    await api.upload(doomed.id, textModule("doomed"));
    await until("doomed deployed", allServe("/doomed", "200 doomed"));
    await api.remove(doomed.id);
    await until("doomed gone", async () => (await onBoth("/doomed")).every((r) => r.startsWith("404")));
    expect(await onBoth("/greet")).toEqual(["200 v1", "200 v1"]);
  });
});

describe("tampered artifacts", () => {
  test("bytes changed on the way are refused; the old version keeps serving until good bytes arrive", async () => {
    const { version, sha256 } = await api.upload(greet.id, textModule("v3"), false);
    const stored = join(control.dataDir, "artifacts", sha256.slice(0, 2), sha256);
    const good = readFileSync(stored);
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 0xff;
    writeFileSync(stored, bad);
    const failuresBefore = await Promise.all(
      both().map((node) => metric(node.url, "edge_artifact_verify_failures_total", { source: "network" })),
    );

    await api.activate(greet.id, version);
    const revision = await api.revision();
    await until("both nodes report the refused version", async () =>
      (await api.nodes()).nodes.every(
        (n) =>
          n.applied_revision >= revision &&
          n.problems.some(
            (p) => p.function_id === greet.id && p.version === version && p.reason.includes("sha256 mismatch"),
          ),
      ),
    );
    expect(await onBoth("/greet")).toEqual(["200 v1", "200 v1"]);
    for (const [i, node] of both().entries()) {
      expect(await metric(node.url, "edge_artifact_verify_failures_total", { source: "network" })).toBeGreaterThan(
        failuresBefore[i]!,
      );
      expect(await metric(node.url, "edge_functions_with_problems")).toBe(1);
    }

    writeFileSync(stored, good);
    await until("the retry fetches the good bytes", allServe("/greet", "200 v3"), 15_000);
    await until("problems cleared", async () => (await api.nodes()).nodes.every((n) => n.problems.length === 0));
  });

  test("a node restarted with a changed artifact on its disk refuses it, fetches it again and serves", async () => {
    const revision = await api.revision();
    await until(
      "node-a has it all",
      async () => (await api.nodes()).nodes.find((n) => n.id === "node-a")!.applied_revision >= revision,
    );
    await a.stop("SIGKILL");
    const { sha256 } = (
      (await (await api.api(`/api/v1/functions/${greet.id}/versions`)).json()) as {
        versions: { version: number; sha256: string }[];
      }
    ).versions.find((v) => v.version === 3)!;
    const onDisk = join(cacheA, "artifacts", `${sha256}.wasm`);
    const bytes = readFileSync(onDisk);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(onDisk, bytes);

    a = await startEdgeProcess(control.url, cacheA, "node-a", ["--workers", "1"]);
    expect(await body(`${a.url}/greet`)).toBe("200 v3");
    expect(await metric(a.url, "edge_artifact_verify_failures_total", { source: "disk" })).toBe(1);
    expect(new Bun.CryptoHasher("sha256").update(readFileSync(onDisk)).digest("hex")).toBe(sha256);
  });
});
