// A control plane's HTTP app on a given artifact store (the S3 one in tests), served on
// 127.0.0.1 port 0, with real SQLite stores in a temp dir: what control/start-control.ts wires,
// less the data dir lock, retention and sweeps, for tests of a store start-up does not open yet.
import { join } from "node:path";
import { createControlApp } from "../../control/app";
import { createControlMetrics } from "../../control/observe/metrics";
import { serveControlApp } from "../../control/serve-app";
import type { ArtifactStore } from "../../control/store/artifact-store";
import { NotifyingMetadataStore } from "../../control/store/notifying-metadata-store";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { SqliteNodeStore } from "../../control/store/sqlite-node-store";
import { SqliteSecretStore } from "../../control/store/sqlite-secret-store";
import { WatchHub } from "../../control/watch/hub";
import { DEFAULT_WATCH_LIMITS } from "../../control/watch/session";
import { inlineWork } from "../../core/module/offload/artifact-work";
import { createLogger } from "../../core/observe/log";
import { READ_TOKEN, TOKEN } from "./control-api";
import { tempDir } from "./temp-dir";

export interface AppWithStore {
  url: string;
  /** A request with the admin token (or `token`; null: none). */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function serveAppWithStore(artifacts: ArtifactStore): Promise<AppWithStore> {
  const path = join(tempDir("edge-app-"), "metadata.sqlite");
  const logger = createLogger("error", {}, () => {}); // the 503s' log lines are expected
  const metadata = new NotifyingMetadataStore(new SqliteMetadataStore(path));
  const nodes = new SqliteNodeStore(path);
  const secrets = new SqliteSecretStore(path);
  const metrics = createControlMetrics({
    artifacts: () => artifacts.stats(),
    functions: () => metadata.countFunctions(),
    revision: () => metadata.revision(),
    watchConnections: () => 0,
  });
  const watch = new WatchHub({
    metadata,
    nodes,
    logger,
    historyId: await metadata.historyId(),
    changeRetention: 100,
    heartbeatMs: 60_000,
    limits: { ...DEFAULT_WATCH_LIMITS, maxNodes: 10 },
  });
  const app = createControlApp({
    metadata,
    artifacts,
    nodes,
    secrets,
    secretBox: null,
    watch,
    metrics,
    logger,
    tokens: { admin: TOKEN, read: READ_TOKEN },
    maxUploadBytes: 1 << 20,
    work: inlineWork,
  });
  const server = await serveControlApp(app, {
    port: 0,
    hostname: "127.0.0.1",
    maxRequestBodySize: 4 << 20,
    logger,
    metrics,
  });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    api(route, init = {}) {
      const headers = new Headers(init.headers);
      if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
      return fetch(url + route, { ...init, headers });
    },
    async stop() {
      watch.stop();
      await app.stop(true);
      nodes.close();
      secrets.close();
      metadata.close();
    },
  };
}
