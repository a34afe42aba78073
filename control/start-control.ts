// Opens the stores in the data dir, resolves the tokens and starts listening. Kept apart from
// main.ts so tests can start a control plane in-process on port 0.
import { resolve } from "node:path";
import type { Logger } from "../core/observe/log";
import type { ArtifactWork } from "../core/module/offload/artifact-work";
import { OffloadThread } from "../core/module/offload/offload-thread";
import { createControlApp } from "./app";
import { resolveAdminToken, type AdminToken } from "./auth/tokens";
import type { ControlConfig } from "./config";
import { createControlMetrics } from "./observe/metrics";
import { serveControlApp } from "./serve-app";
import { takeDataDir } from "./store/data-dir";
import type { DataDirLock } from "./store/data-dir-lock";
import { describeS3, parseArtifactsLocation, s3OptionsFromEnv, s3Where } from "./store/artifacts-location";
import { openArtifactStore, sweepOptions } from "./store/open-artifact-store";
import { openStores } from "./store/open-stores";
import { SecretBox, secretsKeyProblem } from "./store/secret-box";
import { storageFailure } from "./store/storage-errors";
import { sweepUnreferenced } from "./store/sweep";
import { createRetention } from "./versions/retention";
import { WatchHub } from "./watch/hub";
import { DEFAULT_WATCH_LIMITS } from "./watch/session";
import { expireNodes } from "./watch/expiry";

export interface RunningControl {
  url: string;
  port: number;
  dataDir: string;
  admin: AdminToken;
  stop(): Promise<void>;
}

/** How often a shared artifact store is swept while running. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * `work`: where modules are checked (tests pass one they can pause); default the offload thread.
 * `environment`: where the S3 settings are read (main.ts passes process.env).
 */
export async function startControl(
  config: ControlConfig,
  logger: Logger,
  options: { work?: ArtifactWork; environment?: Record<string, string | undefined> } = {},
): Promise<RunningControl> {
  const dataDir = resolve(config.dataDir);
  // Before anything in it is touched: a second control plane on this dir stops here.
  const lock = await takeDataDir(dataDir, logger);
  return startOn(dataDir, lock, config, logger, options.work, options.environment ?? {}).catch((error) => {
    lock.release();
    throw error;
  });
}

async function startOn(
  dataDir: string,
  lock: DataDirLock,
  config: ControlConfig,
  logger: Logger,
  givenWork: ArtifactWork | undefined,
  environment: Record<string, string | undefined>,
): Promise<RunningControl> {
  const admin = await resolveAdminToken(config.token, dataDir);
  if (admin.warning) logger.log("warn", admin.warning);
  const stores = await openStores(dataDir, config.databaseUrl, logger);
  const { metadata, nodes, secrets, guard } = stores;
  const secretBox = config.secretsKey === undefined ? null : SecretBox.fromText(config.secretsKey);
  // Stored secrets this key cannot open (or no key): nodes would get functions without them.
  const keyProblem = await secretsKeyProblem(secrets, secretBox);
  if (keyProblem) {
    await stores.close();
    throw new Error(keyProblem);
  }
  // Start-up upkeep writes; a data dir that is full or read-only skips them and serves reads
  // (writes answer 507/503 until it is usable again), rather than refusing to start.
  const upkeep = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (error) {
      if (!storageFailure(error)) throw error;
      logger.log(
        "warn",
        `store cannot be written; skipped ${what}, serving reads (writes answer 507/503 until it can)`,
        { data_dir: dataDir, error: String(error) },
      );
    }
  };
  await upkeep("marking nodes disconnected", () => nodes.disconnectAll(new Date()));
  const location = parseArtifactsLocation(config.artifacts);
  if (!location.ok) throw new Error(location.message);
  const where = location.location.kind === "s3" ? s3Where(location.location) : null;
  const artifactsProblem = await stores.artifactsProblem(where);
  if (artifactsProblem) {
    await stores.close();
    throw new Error(artifactsProblem);
  }
  const artifacts = await openArtifactStore(location.location, dataDir, environment).catch(async (error) => {
    await stores.close();
    throw new Error(`cannot open the artifact store: ${(error as Error).message}`);
  });
  if (location.location.kind === "s3")
    logger.log("info", "artifacts in S3", describeS3(location.location, s3OptionsFromEnv(environment)));
  const sweep = async () => {
    const swept = await sweepUnreferenced(metadata, artifacts, sweepOptions(location.location), stores.locks);
    if (swept.length > 0) logger.log("info", "removed unreferenced artifacts", { count: swept.length });
  };
  // Before listening: the setting may have been lowered since the last start.
  await upkeep("version retention", async () => {
    const retention = createRetention({
      metadata,
      artifacts,
      logger,
      locks: stores.locks,
      keepVersions: config.keepVersions,
    });
    const removed = await retention.pruneAll();
    if (removed > 0) logger.log("info", "removed versions past --keep-versions", { count: removed });
  });
  await upkeep("the sweep of unreferenced artifacts", sweep);
  // Shared stores run for months: their leftovers (a replica killed between publish and commit)
  // are swept every hour, not only at a start.
  const sweeping = stores.shared
    ? setInterval(
        () => void sweep().catch((error) => logger.log("warn", "artifact sweep failed", { error: String(error) })),
        SWEEP_EVERY_MS,
      )
    : null;
  sweeping?.unref?.();

  const metrics = createControlMetrics({
    artifacts: () => artifacts.stats(),
    functions: () => metadata.countFunctions(),
    revision: () => metadata.revision(),
    // Read on scrape, once listening: the hub exists by then.
    watchConnections: () => hub.size,
  });
  const hub = new WatchHub({
    metadata,
    nodes,
    logger,
    historyId: await metadata.historyId(),
    changeRetention: config.changeRetention,
    heartbeatMs: config.heartbeatMs,
    limits: { ...DEFAULT_WATCH_LIMITS, maxNodes: config.maxNodes },
    secrets: secretBox,
    observeMessage: (type) => metrics.observeWatchMessage(type),
  });
  metadata.onChange(() => void hub.changed());
  await stores.followReplicas(() => void hub.changed());
  await upkeep("pruning the change history", () => hub.prune());
  const expiry = expireNodes(nodes, config.nodeRetentionS * 1000, logger);
  const offload = givenWork ? null : new OffloadThread(logger);
  const work = givenWork ?? offload!;
  const app = createControlApp({
    metadata,
    artifacts,
    nodes,
    secrets,
    secretBox,
    watch: hub,
    metrics,
    logger,
    tokens: { admin: admin.token, read: config.readToken },
    maxUploadBytes: config.maxUploadBytes,
    keepVersions: config.keepVersions,
    work,
    storage: guard,
    locks: stores.locks,
  });
  // Bun's own cap sits well above ours: Bun reads ahead of the upload stream's consumer, and
  // must not cut a body off (with a bare 413) before our reader sees the limit and answers in
  // the product's error shape.
  const server = await serveControlApp(app, {
    port: config.port,
    hostname: config.host,
    maxRequestBodySize: 2 * config.maxUploadBytes + 1024 * 1024,
    logger,
    metrics,
  });
  const port = server.port!;
  return {
    url: `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`,
    port,
    dataDir,
    admin,
    async stop() {
      clearInterval(expiry);
      if (sweeping) clearInterval(sweeping);
      hub.stop();
      await app.stop(true);
      await stores.close();
      offload?.close();
      lock.release();
    },
  };
}
