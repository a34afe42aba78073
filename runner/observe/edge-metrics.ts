// Prometheus metrics of an edge node, on the runner's registry beside the invocation metrics.
// prom-client loads after start (metrics.ts): until then the events are kept and counted when
// it has loaded, so a node's start does not wait for it.
import type { Registry } from "prom-client";
import type { ServerMessage } from "../../core/contract";
import type { PromClient } from "./metrics";
import { scrapeGauges } from "./scrape-gauge";

export interface EdgeGauges {
  appliedRevision: number;
  connected: boolean;
  /** The control plane the watch follows (or is connecting to). */
  controlPlane: string;
  functionsServing: number;
  functionsWithProblems: number;
  loadedFunctions: number;
  moduleCache: { modules: number; bytes: number };
  disk: { files: number; bytes: number };
}

export interface EdgeMetrics {
  moduleCacheHit(): void;
  moduleCacheMiss(): void;
  moduleCacheEviction(): void;
  artifactDownload(outcome: "ok" | "verify_failed" | "error"): void;
  artifactVerifyFailure(source: "network" | "disk"): void;
  syncMessage(type: ServerMessage["type"]): void;
  observePass(seconds: number): void;
}

/** The metrics, and `attach`, which metrics.ts calls once prom-client has loaded. */
export function createEdgeMetrics(read: () => EdgeGauges): {
  metrics: EdgeMetrics;
  attach: (prom: PromClient, registry: Registry) => void;
} {
  let live: EdgeMetrics | null = null;
  // Events before prom-client loaded: a start's worth at most (LOAD_AFTER_MS in metrics.ts).
  // Tested for `live` first: a cache hit is counted on every request, and allocates nothing then.
  let early: ((m: EdgeMetrics) => void)[] = [];
  return {
    metrics: {
      moduleCacheHit: () => (live ? live.moduleCacheHit() : early.push((m) => m.moduleCacheHit())),
      moduleCacheMiss: () => (live ? live.moduleCacheMiss() : early.push((m) => m.moduleCacheMiss())),
      moduleCacheEviction: () => (live ? live.moduleCacheEviction() : early.push((m) => m.moduleCacheEviction())),
      artifactDownload: (outcome) =>
        live ? live.artifactDownload(outcome) : early.push((m) => m.artifactDownload(outcome)),
      artifactVerifyFailure: (source) =>
        live ? live.artifactVerifyFailure(source) : early.push((m) => m.artifactVerifyFailure(source)),
      syncMessage: (type) => (live ? live.syncMessage(type) : early.push((m) => m.syncMessage(type))),
      observePass: (seconds) => (live ? live.observePass(seconds) : early.push((m) => m.observePass(seconds))),
    },
    attach(prom, registry) {
      live = register(prom, registry, read);
      for (const event of early) event(live);
      early = [];
    },
  };
}

function register(prom: PromClient, registry: Registry, read: () => EdgeGauges): EdgeMetrics {
  const { Counter, Histogram } = prom;
  const registers = [registry];
  const hits = new Counter({
    name: "edge_module_cache_hits_total",
    help: "Compiled modules found in the cache (per request, and per deploy that reused one)",
    registers,
  });
  const misses = new Counter({
    name: "edge_module_cache_misses_total",
    help: "Modules that had to be compiled (deploy prefetch, or a request after an eviction)",
    registers,
  });
  const evictions = new Counter({
    name: "edge_module_cache_evictions_total",
    help: "Compiled modules dropped to stay within --cache-mb",
    registers,
  });
  const downloads = new Counter({
    name: "edge_artifact_downloads_total",
    help: "Artifact downloads from the control plane, by outcome",
    labelNames: ["outcome"],
    registers,
  });
  const verifyFailures = new Counter({
    name: "edge_artifact_verify_failures_total",
    help: "Artifacts refused because their SHA-256 didn't match the control plane's record, by where the bytes came from",
    labelNames: ["source"],
    registers,
  });
  const messages = new Counter({
    name: "edge_sync_messages_total",
    help: "Watch messages received, by type",
    labelNames: ["type"],
    registers,
  });
  const passes = new Histogram({
    name: "edge_reconcile_duration_seconds",
    help: "Time to make a received state live (fetch, verify, compile, load, swap)",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  for (const source of ["network", "disk"]) verifyFailures.inc({ source }, 0);

  const gauge = scrapeGauges(prom, registry, read);
  gauge("edge_applied_revision", "Control plane revision this node has live", (g) => g.appliedRevision);
  gauge("edge_sync_connected", "1 while the watch stream to the control plane is open", (g) => (g.connected ? 1 : 0));
  new prom.Gauge({
    name: "edge_sync_control_plane",
    help: "1 on the control plane the watch follows or is connecting to (--control-plane may list several)",
    labelNames: ["control_plane"],
    registers,
    collect() {
      this.reset();
      this.set({ control_plane: read().controlPlane }, 1);
    },
  });
  gauge("edge_functions_serving", "Functions this node routes requests to", (g) => g.functionsServing);
  gauge(
    "edge_functions_with_problems",
    "Functions not served at their active version (download, verification or compile failed)",
    (g) => g.functionsWithProblems,
  );
  gauge(
    "edge_pool_functions_loaded",
    "Deployments loaded in the worker pool (draining ones included)",
    (g) => g.loadedFunctions,
  );
  gauge("edge_module_cache_modules", "Compiled modules in the cache", (g) => g.moduleCache.modules);
  gauge(
    "edge_module_cache_bytes",
    "Estimated memory of the compiled modules in the cache (bounded by --cache-mb)",
    (g) => g.moduleCache.bytes,
  );
  gauge("edge_artifact_disk_files", "Verified artifacts kept on disk", (g) => g.disk.files);
  gauge(
    "edge_artifact_disk_bytes",
    "Bytes of verified artifacts kept on disk (bounded by --disk-mb)",
    (g) => g.disk.bytes,
  );

  return {
    moduleCacheHit: () => hits.inc(),
    moduleCacheMiss: () => misses.inc(),
    moduleCacheEviction: () => evictions.inc(),
    artifactDownload: (outcome) => downloads.inc({ outcome }),
    artifactVerifyFailure: (source) => verifyFailures.inc({ source }),
    syncMessage: (type) => messages.inc({ type }),
    observePass: (seconds) => passes.observe(seconds),
  };
}
