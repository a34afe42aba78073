// The metadata, node and secret stores for a control plane: SQLite in the data dir (the
// embedded default), or PostgreSQL when --database-url is given, shared by any number of
// replicas. With PostgreSQL, the watch hub is also woken by the other replicas' commits.
import { join } from "node:path";
import type { SQL } from "bun";
import type { Logger } from "../../core/observe/log";
import { DataDirGuard } from "./data-dir-guard";
import type { NodeStore } from "./node-store";
import { NotifyingMetadataStore } from "./notifying-metadata-store";
import { openDatabase, redactUrl } from "./postgres/database";
import { PostgresArtifactLocks } from "./postgres/artifact-locks";
import { claimArtifacts } from "./postgres/artifacts-claim";
import { PostgresMetadataStore } from "./postgres/metadata-store";
import { PostgresNodeStore } from "./postgres/node-store";
import { changeChannel, followReplicas, type ReplicaChanges } from "./postgres/replica-changes";
import { PostgresSecretStore } from "./postgres/secret-store";
import { replicaId } from "./replica-id";
import type { SecretStore } from "./secret-store";
import { SqliteMetadataStore } from "./sqlite-metadata-store";
import { SqliteNodeStore } from "./sqlite-node-store";
import { SqliteSecretStore } from "./sqlite-secret-store";
import { type ArtifactLock, ArtifactLocks } from "./artifact-locks";

export interface Stores {
  metadata: NotifyingMetadataStore;
  nodes: NodeStore;
  secrets: SecretStore;
  guard: DataDirGuard;
  /** What holds the metadata, for the start-up line (no password). */
  described: string;
  /** Whether other control planes may share these stores (PostgreSQL). */
  shared: boolean;
  /** Per-artifact locks between uploads and retention: across every replica when shared. */
  locks: ArtifactLock;
  /**
   * Null when artifacts kept at `where` (`s3://bucket/prefix`, or null for files in this data
   * dir) agree with what the other replicas use; else why not. Always null for SQLite.
   */
  artifactsProblem(where: string | null): Promise<string | null>;
  /** Calls `changed` when another replica commits; a no-op for SQLite (one process). */
  followReplicas(changed: () => void): Promise<void>;
  close(): Promise<void>;
}

export async function openStores(dataDir: string, databaseUrl: string | undefined, logger: Logger): Promise<Stores> {
  if (databaseUrl !== undefined) return openPostgres(dataDir, databaseUrl, logger);
  const path = join(dataDir, "metadata.sqlite");
  // Every metadata commit first checks that the data dir is still the one opened here.
  const metadata = new NotifyingMetadataStore(new SqliteMetadataStore(path, undefined, () => guard.assertIntact()));
  const nodes = new SqliteNodeStore(path);
  const secrets = new SqliteSecretStore(path, undefined, () => guard.assertIntact());
  const guard = new DataDirGuard(dataDir);
  return {
    metadata,
    nodes,
    secrets,
    guard,
    described: path,
    shared: false,
    locks: new ArtifactLocks(),
    artifactsProblem: async () => null,
    followReplicas: async () => {},
    async close() {
      nodes.close();
      secrets.close();
      metadata.close();
    },
  };
}

async function openPostgres(dataDir: string, url: string, logger: Logger): Promise<Stores> {
  let sql: SQL;
  try {
    sql = await openDatabase({ url });
  } catch (error) {
    throw new Error(`cannot open the database ${redactUrl(url)}: ${(error as Error).message}`);
  }
  const channel = await changeChannel(sql);
  const metadata = new NotifyingMetadataStore(new PostgresMetadataStore(sql, channel));
  const replica = await replicaId(dataDir);
  let following: ReplicaChanges | null = null;
  const locks = new PostgresArtifactLocks(url);
  logger.log("info", "metadata in PostgreSQL", { database: redactUrl(url), replica });
  return {
    metadata,
    nodes: new PostgresNodeStore(sql, replica),
    secrets: new PostgresSecretStore(sql, channel),
    guard: new DataDirGuard(dataDir, []),
    described: redactUrl(url),
    shared: true,
    locks,
    artifactsProblem: (where) => claimArtifacts(sql, where ?? `files@${replica}`),
    async followReplicas(changed) {
      following = await followReplicas(sql, channel, () => metadata.revision(), changed);
    },
    async close() {
      await following?.stop();
      await locks.close();
      await sql.close({ timeout: 5 }).catch(() => {});
    },
  };
}
