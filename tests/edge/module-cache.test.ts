// The compiled-module cache is bounded by --cache-mb: with room for one of two modules, requests
// that alternate between them evict and compile again, and every request still succeeds.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServerProcess } from "../helpers/server-process";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { body } from "../helpers/fetch-text";
import { controlApi } from "../helpers/control-api";
import { metric } from "../helpers/metrics-text";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { textModule } from "../fixtures/guests";

let control: TestControl;
let node: ServerProcess;

beforeAll(async () => {
  control = await startTestControl();
  const api = controlApi(control.url);
  // ~70 KB each, charged ~630 KB compiled (9x, COMPILED_COST_FACTOR): two don't fit in 1 MiB.
  for (const name of ["big-a", "big-b"]) {
    const fn = await api.createFunction({ name });
    await api.upload(fn.id, textModule(name, { padBytes: 70_000 }));
  }
  node = await startEdgeProcess(control.url, tempDir("edge-cache-"), "cache-node", [
    "--workers",
    "1",
    "--cache-mb",
    "1",
  ]);
});

afterAll(async () => {
  await node?.stop("SIGKILL");
  await control?.stop();
});

test("alternating between two modules that don't fit together: evictions, misses, and no failed request", async () => {
  await until("both deployed", async () => (await metric(node.url, "edge_functions_serving")) === 2);
  const before = {
    evictions: await metric(node.url, "edge_module_cache_evictions_total"),
    misses: await metric(node.url, "edge_module_cache_misses_total"),
  };
  for (let i = 0; i < 6; i++) {
    expect(await body(`${node.url}/big-a`)).toBe("200 big-a");
    expect(await body(`${node.url}/big-b`)).toBe("200 big-b");
  }
  const after = {
    evictions: await metric(node.url, "edge_module_cache_evictions_total"),
    misses: await metric(node.url, "edge_module_cache_misses_total"),
  };
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

test("a sync past the cache's bound compiles what fits and only verifies the rest; a served function's new version is compiled at deploy", async () => {
  const cp = await startTestControl();
  const api = controlApi(cp.url);
  const ids: Record<string, string> = {};
  for (const name of ["sync-a", "sync-b", "sync-c"]) {
    const fn = await api.createFunction({ name });
    ids[name] = fn.id;
    await api.upload(fn.id, textModule(name, { padBytes: 70_000 }));
  }
  const synced = await startEdgeProcess(cp.url, tempDir("edge-sync-"), "sync-node", [
    "--workers",
    "1",
    "--cache-mb",
    "1",
  ]);
  try {
    await until("all three routed", async () => (await metric(synced.url, "edge_functions_serving")) === 3);
    // Room for one: one compiled, none compiled only to be evicted.
    expect(await metric(synced.url, "edge_module_cache_misses_total")).toBe(1);
    expect(await metric(synced.url, "edge_module_cache_evictions_total")).toBe(0);
    expect(await metric(synced.url, "edge_pool_functions_loaded")).toBe(1);
    // The others were downloaded and verified: served, compiled on their first request.
    for (const name of ["sync-a", "sync-b", "sync-c"]) expect(await body(`${synced.url}/${name}`)).toBe(`200 ${name}`);
    expect(await metric(synced.url, "edge_module_cache_misses_total")).toBe(3);

    // sync-c was served last, so it is loaded: its new version is compiled at deploy, not on its first request.
    await api.upload(ids["sync-c"]!, textModule("sync-c v2", { padBytes: 70_000 }));
    const revision = await api.revision();
    await until("v2 applied", async () => (await metric(synced.url, "edge_applied_revision")) === revision, 10_000);
    const misses = await metric(synced.url, "edge_module_cache_misses_total");
    expect(misses).toBe(4);
    expect(await body(`${synced.url}/sync-c`)).toBe("200 sync-c v2");
    expect(await metric(synced.url, "edge_module_cache_misses_total")).toBe(misses);
  } finally {
    await synced.stop("SIGKILL");
    await cp.stop();
  }
});
