// The compiled-module cache is bounded by --cache-mb: with room for one of two modules, requests
// that alternate between them evict and compile again, and every request still succeeds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { CliRunner } from "../helpers/cli-runner";
import { startTestControl, type TestControl } from "../control/helpers";
import { body, controlApi, metric, startEdgeRunner, tempDir, until, versionModule } from "./helpers";

let control: TestControl;
let node: CliRunner;

beforeAll(async () => {
  control = await startTestControl();
  const api = controlApi(control.url);
  // ~70 KB each, charged ~630 KB compiled (9x, COMPILED_COST_FACTOR): two don't fit in 1 MiB.
  for (const name of ["big-a", "big-b"]) {
    const fn = await api.createFunction({ name });
    await api.upload(fn.id, versionModule(name, { padBytes: 70_000 }));
  }
  node = await startEdgeRunner(control.url, tempDir("edge-cache-"), "cache-node", ["--cache-mb", "1"]);
});

afterAll(async () => {
  await node?.stop("SIGKILL");
  await control?.stop();
});

test("alternating between two modules that don't fit together: evictions, misses, and no failed request", async () => {
  await until("both deployed", async () => (await metric(node.url, "edge_functions_serving")) === 2);
  const before = { evictions: await metric(node.url, "edge_module_cache_evictions_total"), misses: await metric(node.url, "edge_module_cache_misses_total") };
  for (let i = 0; i < 6; i++) {
    expect(await body(`${node.url}/big-a`)).toBe("200 big-a");
    expect(await body(`${node.url}/big-b`)).toBe("200 big-b");
  }
  const after = { evictions: await metric(node.url, "edge_module_cache_evictions_total"), misses: await metric(node.url, "edge_module_cache_misses_total") };
  expect(after.evictions - before.evictions).toBeGreaterThanOrEqual(10);
  expect(after.misses - before.misses).toBeGreaterThanOrEqual(10);
  expect(await metric(node.url, "edge_module_cache_modules")).toBe(1);
  expect(await metric(node.url, "edge_module_cache_bytes")).toBeLessThanOrEqual(1024 * 1024);

  // The same module again and again stays cached: hits, no misses.
  const hits = await metric(node.url, "edge_module_cache_hits_total");
  for (let i = 0; i < 5; i++) expect(await body(`${node.url}/big-b`)).toBe("200 big-b");
  expect(await metric(node.url, "edge_module_cache_hits_total")).toBe(hits + 5);
  expect(await metric(node.url, "edge_module_cache_misses_total")).toBe(after.misses);
});
