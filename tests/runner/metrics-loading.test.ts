// prom-client is loaded after start (runner/observe/metrics.ts): what happened before it loaded
// is in the first scrape all the same, an invocation's and an edge node's events alike.
import { expect, test } from "bun:test";
import { createEdgeMetrics } from "../../runner/observe/edge-metrics";
import { createRunnerMetrics, type PoolStats } from "../../runner/observe/metrics";
import { sample } from "../helpers/metrics-text";

const stats: PoolStats = {
  workers: 2,
  busy: 0,
  inWorkers: 0,
  queued: 0,
  waiting: 0,
  queueLimit: 8,
  restarts: 0,
  functionsHeld: 1,
};
const gauges = {
  appliedRevision: 7,
  connected: true,
  controlPlane: "http://cp:8080",
  functionsServing: 1,
  functionsWithProblems: 0,
  loadedFunctions: 1,
  moduleCache: { modules: 1, bytes: 10 },
  disk: { files: 1, bytes: 5 },
};

test("events and invocations from before prom-client loaded are counted in the first scrape, and those after", async () => {
  const edge = createEdgeMetrics(() => gauges);
  const metrics = createRunnerMetrics(() => stats, edge.attach);
  // Nothing has loaded prom-client yet: these are kept.
  metrics.observeInvocation("fn", "ok", 0.002, 0.001);
  edge.metrics.syncMessage("snapshot");
  edge.metrics.artifactDownload("ok");
  edge.metrics.moduleCacheMiss();
  edge.metrics.moduleCacheHit();
  edge.metrics.moduleCacheHit();
  edge.metrics.observePass(0.02);

  const first = (await metrics.scrape()).body;
  expect(sample(first, "wasm_invoke_count_total", { function: "fn", outcome: "ok" })).toBe(1);
  expect(sample(first, "edge_sync_messages_total", { type: "snapshot" })).toBe(1);
  expect(sample(first, "edge_artifact_downloads_total", { outcome: "ok" })).toBe(1);
  expect(sample(first, "edge_module_cache_misses_total")).toBe(1);
  expect(sample(first, "edge_module_cache_hits_total")).toBe(2);
  expect(sample(first, "edge_reconcile_duration_seconds_count")).toBe(1);
  expect(sample(first, "edge_applied_revision")).toBe(7);
  expect(sample(first, "wasm_worker_functions_held")).toBe(1);

  edge.metrics.moduleCacheHit();
  metrics.observeInvocation("fn", "trap", 0.003, 0.002);
  const second = (await metrics.scrape()).body;
  expect(sample(second, "edge_module_cache_hits_total")).toBe(3);
  expect(sample(second, "wasm_invoke_count_total", { function: "fn", outcome: "trap" })).toBe(1);
  expect(sample(second, "wasm_invoke_count_total", { function: "fn", outcome: "ok" })).toBe(1);
});
