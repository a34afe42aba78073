// A function the node routes but cannot load (its module left the cache, its disk copy went bad,
// the control plane is down) answers 503 `unavailable` with Retry-After, not 404: it exists, and
// a client or a CDN caching 404s must not be told otherwise. Once the control plane is back, the
// next request loads it again.
import { afterAll, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ServerProcess } from "../helpers/server-process";
import { body } from "../helpers/fetch-text";
import { metric } from "../helpers/metrics-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { textModule } from "../fixtures/guests";

let control: ControlProcess | null = null;
let node: ServerProcess | null = null;

afterAll(async () => {
  await Promise.all([node?.stop("SIGKILL"), control?.kill()]);
});

test("routed but unloadable: 503 unavailable with Retry-After, counted and logged; served again once it can be had", async () => {
  control = await startControlProcess(tempDir("edge-unavailable-control-"));
  const port = control.port;
  const big = await control.createFunction({ name: "big-a" });
  const { sha256 } = await control.upload(big.id, textModule("big-a", { padBytes: 70_000 }));
  const other = await control.createFunction({ name: "big-b" });
  await control.upload(other.id, textModule("big-b", { padBytes: 70_000 }));
  const cacheDir = tempDir("edge-unavailable-node-");
  // Room for one of the two compiled modules (see module-cache.test.ts): serving b evicts a.
  node = await startEdgeProcess(control.url, cacheDir, "unavailable-node", [
    "--workers",
    "1",
    "--cache-mb",
    "1",
    "--log-level",
    "info",
  ]);
  const url = node.url;
  await until("both deployed", async () => (await metric(url, "edge_functions_serving")) === 2);
  expect(await body(`${url}/big-a`)).toBe("200 big-a");
  expect(await body(`${url}/big-b`)).toBe("200 big-b");

  await control.kill();
  const artifact = join(cacheDir, "artifacts", `${sha256}.wasm`);
  expect(readdirSync(join(cacheDir, "artifacts"))).toContain(`${sha256}.wasm`);
  writeFileSync(artifact, "not the bytes that were verified");

  const response = await fetch(`${url}/big-a`);
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after")).toBe("1");
  const error = ((await response.json()) as { error: { code: string; message: string; request_id: string } }).error;
  expect(error).toMatchObject({ code: "unavailable", request_id: response.headers.get("x-request-id")! });
  expect(await metric(url, "wasm_invoke_errors_total", { function: "big-a", outcome: "unavailable" })).toBe(1);
  const logged = node.lines().find((line) => line.includes('"outcome":"unavailable"'));
  expect(logged).toContain(`"request_id":"${error.request_id}"`);
  expect(logged).toContain("version 1:");
  // The other function is not affected, and an unrouted path is still a plain 404.
  expect(await body(`${url}/big-b`)).toBe("200 big-b");
  expect((await fetch(`${url}/nothing-here`)).status).toBe(404);

  control = await startControlProcess(control.dataDir, { port });
  await until("big-a served again", async () => (await body(`${url}/big-a`)) === "200 big-a", 15_000);
});
