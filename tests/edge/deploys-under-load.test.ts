// Deploys never fail a request: 50 deploys while two nodes are under a steady load, and a
// request that is running when its version is replaced finishes on the old version.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServerProcess } from "../helpers/server-process";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { body } from "../helpers/fetch-text";
import { controlApi, type ControlApi } from "../helpers/control-api";
import { metric } from "../helpers/metrics-text";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { textModule } from "../fixtures/guests";

let control: TestControl;
let api: ControlApi;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  control = await startTestControl();
  api = controlApi(control.url);
  [a, b] = await Promise.all([
    startEdgeProcess(control.url, tempDir("edge-load-a-"), "load-a", ["--workers", "2"]),
    startEdgeProcess(control.url, tempDir("edge-load-b-"), "load-b", ["--workers", "2"]),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
  await control?.stop();
});

test("50 deploys during a load of requests: no request fails, and each client sees versions only move forward", async () => {
  const fn = await api.createFunction({ name: "live" });
  await api.upload(fn.id, textModule("v0"));
  await until(
    "v0 on both",
    async () => (await body(`${a.url}/live`)) === "200 v0" && (await body(`${b.url}/live`)) === "200 v0",
  );

  let running = true;
  const failures: string[] = [];
  let requests = 0;
  const seen = new Set<number>();
  const client = async (node: ServerProcess) => {
    let last = -1;
    while (running) {
      const answer = await body(`${node.url}/live`).catch((error: Error) => `error ${error.message}`);
      requests++;
      const version = answer.match(/^200 v(\d+)$/)?.[1];
      if (version === undefined) failures.push(answer);
      else if (Number(version) < last) failures.push(`went back from v${last} to v${version}`);
      else {
        last = Number(version);
        seen.add(last);
      }
    }
  };
  const clients = [a, b, a, b, a, b].map(client);

  const started = performance.now();
  for (let i = 1; i <= 50; i++) {
    await api.upload(fn.id, textModule(`v${i}`));
    await Bun.sleep(10); // spread out, so the nodes apply most versions one by one rather than in batches
  }
  await until(
    "v50 on both",
    async () => (await body(`${a.url}/live`)) === "200 v50" && (await body(`${b.url}/live`)) === "200 v50",
    20_000,
  );
  const deployed = performance.now();
  running = false;
  await Promise.all(clients);

  console.log(
    `50 deploys under load: ${requests} requests in ${((deployed - started) / 1000).toFixed(2)} s, ${seen.size} distinct versions served, ${failures.length} failed`,
  );
  expect(failures).toEqual([]);
  expect(requests).toBeGreaterThan(100);
  // Old versions were unloaded once their requests finished: only v50 (and at most one draining) is left.
  await until(
    "old versions unloaded",
    async () =>
      (await metric(a.url, "edge_pool_functions_loaded")) === 1 &&
      (await metric(b.url, "edge_pool_functions_loaded")) === 1,
  );
});

test("a request running during a version switch finishes on the old version; the next one gets the new", async () => {
  const fn = await api.createFunction({ name: "drain", max_execution_ms: 5000 });
  await api.upload(fn.id, textModule("old", { waits: true }));
  await until("old on A", async () => (await body(`${a.url}/drain`)) === "200 old");

  // Long enough that the switch lands while it runs even on a busy machine: once it is seen
  // running long, the old version's next requests go to the spares, which start only then.
  const slow = body(`${a.url}/drain`, { headers: { "x-wait-ms": "3000" } });
  await Bun.sleep(100);
  await api.upload(fn.id, textModule("new", { waits: true }));
  await until("new on A", async () => (await body(`${a.url}/drain`)) === "200 new");
  expect(Bun.peek.status(slow)).toBe("pending"); // the switch happened while it ran
  expect(await slow).toBe("200 old");
  await until("old unloaded after it drained", async () => (await metric(a.url, "edge_pool_functions_loaded")) === 2); // live@v50 and drain@new
});
