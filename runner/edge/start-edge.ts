// Wires an edge node: worker pool, caches (compiled modules in memory, verified artifacts on
// disk), routing, the state machine and the watch stream, behind the same HTTP app as single
// mode. Order matters: the state on disk is restored and served before the control plane is
// asked, so a node restarted during an outage serves at once.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import packageJson from "../../package.json";
import type { EdgeConfig } from "../config";
import { createRunnerApp, serveRunnerApp } from "../http/app";
import { BodyBudget } from "../http/body-budget";
import type { Logger } from "../../core/observe/log";
import { createEdgeMetrics } from "../observe/edge-metrics";
import { bodyBudgetGauges } from "../observe/body-metrics";
import { createRunnerMetrics } from "../observe/metrics";
import { WorkerPool } from "../sandbox/pool";
import { DRAIN_MS, EDGE_FUNCTION_QUEUE, LOG_LINE_BYTES, poolOptions } from "../pool-settings";
import { ArtifactClient } from "./artifacts/artifact-client";
import { ControlPlanes } from "./control-planes";
import { DiskArtifacts } from "./artifacts/disk-artifacts";
import { OffloadThread } from "../../core/module/offload/offload-thread";
import { VerifiedArtifacts } from "./artifacts/verified-artifacts";
import { EdgeNode } from "./edge-node";
import { ModuleCache } from "./modules/module-cache";
import { createEdgeInvoke } from "./serving/edge-invoke";
import { EdgeRouter } from "./serving/edge-router";
import { LoadedFunctions } from "./serving/loaded-functions";
import { Reconciler } from "./sync/reconciler";
import { WatchClient } from "./sync/watch-client";
import { loadNodeKey } from "./state/node-key";
import { stateSealer } from "./state/state-secrets";

const MiB = 1024 * 1024;
/** A node with no state on disk waits this long for the control plane before it starts serving (404s). */
const FIRST_SYNC_WAIT_MS = 10_000;

export interface RunningEdge {
  port: number;
  address: string;
  cacheDir: string;
  restored: boolean;
  node: EdgeNode;
  stop(): Promise<void>;
}

export async function startEdge(config: EdgeConfig, logger: Logger): Promise<RunningEdge> {
  const cacheDir = resolve(config.cacheDir);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });

  const pool = new WorkerPool(poolOptions(config, logger, EDGE_FUNCTION_QUEUE));
  let connected = false;
  let watch: WatchClient | null = null;
  // The one the watch follows, moved on by it when it fails; downloads ask it first.
  const controlPlanes = new ControlPlanes(config.controlPlanes);
  // Gauges are read on scrape, which can only happen once the server below listens.
  const edge = createEdgeMetrics(() => {
    const status = node.status();
    return {
      appliedRevision: status.revision,
      connected,
      controlPlane: controlPlanes.current,
      functionsServing: status.functions,
      functionsWithProblems: status.problems.length,
      loadedFunctions: loaded.count,
      moduleCache: modules.stats,
      disk: disk.stats(),
    };
  });
  const edgeMetrics = edge.metrics;
  const bodies = new BodyBudget(config.maxBodyBytesInFlight);
  const gauges = bodyBudgetGauges(bodies);
  const metrics = createRunnerMetrics(
    () => pool.stats(),
    (prom, registry) => {
      edge.attach(prom, registry);
      gauges(prom, registry);
    },
  );

  // Hashing and the pipeline's pass run on a thread of their own: deploys do not stall requests.
  const offload = new OffloadThread(logger);
  const disk = await DiskArtifacts.open(
    join(cacheDir, "artifacts"),
    config.diskMb * MiB,
    (sha256) => {
      edgeMetrics.artifactVerifyFailure("disk");
      logger.log("error", "artifact on disk refused: SHA-256 mismatch; deleted, will be fetched again", { sha256 });
    },
    offload,
  );
  const artifacts = new VerifiedArtifacts(
    disk,
    new ArtifactClient(controlPlanes, config.token),
    edgeMetrics,
    logger,
    offload,
  );
  const modules = new ModuleCache(
    config.cacheMb * MiB,
    artifacts,
    edgeMetrics,
    (moduleKey) => loaded.evicted(moduleKey),
    offload,
  );
  const loaded = new LoadedFunctions(
    pool,
    modules,
    {
      maxResponseBytes: config.maxResponseBytes,
      maxLogLines: config.maxLogLinesPerInvocation,
      maxLogLineBytes: LOG_LINE_BYTES,
    },
    logger,
  );
  const router = new EdgeRouter(loaded, logger);

  // Before the state file is read: its secrets are sealed under a key derived from the node key.
  const key = await loadNodeKey(cacheDir);
  const node = new EdgeNode({
    reconciler: new Reconciler(loaded, router, config.prefetchConcurrency, logger),
    cacheDir,
    logger,
    report: (message) => watch?.send(message),
    pin: (sha256s) => disk.pin(sha256s),
    observePass: (seconds) => edgeMetrics.observePass(seconds),
    sealer: stateSealer(key),
  });
  const restored = await node.restore();
  const instance = randomBytes(12).toString("base64url");

  const app = createRunnerApp({
    metrics,
    invoke: createEdgeInvoke(router, { pool, metrics, logger, maxBodyBytes: config.maxBodyBytes, bodies }),
    health: () => ({
      node_id: config.nodeId,
      connected,
      control_plane: controlPlanes.current,
      ...node.status(),
      pool: pool.stats(),
    }),
    // Ready once it serves a whole state: the one restored from disk, or the first the control
    // plane sent, applied. Before that it answers 404 for every function it does not know yet.
    notReady: () =>
      restored || node.status().synced
        ? null
        : `no state yet: waiting for the first snapshot from the control plane (${connected ? "connected, applying" : "not connected"})`,
  });
  const server = serveRunnerApp(app, config.port, config.host, logger);
  const port = server.port ?? config.port;
  const address = config.advertiseUrl ?? `http://${advertisedHost(config.host)}:${port}`;

  watch = new WatchClient({
    controlPlanes,
    token: config.token,
    logger,
    hello: () => ({
      type: "hello",
      node_id: config.nodeId,
      address,
      version: packageJson.version,
      revision: node.applied,
      key,
      instance,
    }),
    resumePoint: () => node.resumePoint(),
    onMessage: (message) => {
      edgeMetrics.syncMessage(message.type);
      return node.receive(message);
    },
    onConnected: (open) => {
      connected = open;
      if (!open) node.disconnected();
    },
  });
  watch.start();
  if (!restored) await node.waitForSync(FIRST_SYNC_WAIT_MS);

  const client = watch;
  return {
    port,
    address,
    cacheDir,
    restored,
    node,
    async stop() {
      client.stop();
      node.stop();
      server.stop();
      await pool.close(DRAIN_MS);
      offload.close();
    },
  };
}

function advertisedHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return hostname();
  return host.includes(":") ? `[${host}]` : host;
}
