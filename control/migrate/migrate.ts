// `bun run control migrate --from DATA_DIR --database-url URL [--artifacts s3://BUCKET]`: moves an
// embedded installation (SQLite + files) into PostgreSQL (and S3). Every artifact is read back
// and its SHA-256 checked before the function that uses it is imported, so no row ever names
// missing or wrong bytes; functions keep their ids, versions, times and sealed secrets (the
// same secrets key opens them), nodes their key hashes. Run twice, it imports nothing new.
// The source data dir is locked meanwhile: its control plane must be stopped.
import type { Logger } from "../../core/observe/log";
import { Sha256 } from "../../core/module/sha256";
import type { ArtifactStore } from "../store/artifact-store";
import { lockDataDir } from "../store/data-dir-lock";
import { FileArtifactStore } from "../store/file-artifact-store";
import { openDatabase, redactUrl } from "../store/postgres/database";
import { importFunction, importNode } from "../store/postgres/import";
import { claimArtifacts } from "../store/postgres/artifacts-claim";
import { replicaId } from "../store/replica-id";
import { changeChannel } from "../store/postgres/replica-changes";
import { SqliteSource } from "./sqlite-source";

export interface MigrateReport {
  functions: { imported: number; present: number; refused: number };
  versions: number;
  artifacts: { verified: number; copied: number };
  nodes: { imported: number; present: number };
  problems: string[];
}

/**
 * `target`: where artifacts go (S3); null keeps them as files in `from`, where a control plane
 * on PostgreSQL started with `--data-dir <from>` finds them.
 */
export async function migrate(
  from: string,
  databaseUrl: string,
  target: ArtifactStore | null,
  logger: Logger,
  /** With `target`: its bucket and prefix (`s3://bucket/prefix`). */
  targetWhere = "",
): Promise<MigrateReport> {
  const lock = lockDataDir(from);
  const source = new SqliteSource(from);
  const files = await FileArtifactStore.open(from);
  const sql = await openDatabase({ url: databaseUrl, max: 2 }).catch((error: Error) => {
    throw new Error(`cannot open the database ${redactUrl(databaseUrl)}: ${error.message}`);
  });
  const report: MigrateReport = {
    functions: { imported: 0, present: 0, refused: 0 },
    versions: 0,
    artifacts: { verified: 0, copied: 0 },
    nodes: { imported: 0, present: 0 },
    problems: [],
  };
  const done = new Set<string>();
  try {
    // Where the artifacts will be, for the control planes on this database (postgres/artifacts-claim.ts).
    const where = target ? targetWhere : `files@${await replicaId(from)}`;
    const problem = await claimArtifacts(sql, where);
    if (problem) throw new Error(problem);
    const channel = await changeChannel(sql);
    for (const { fn, versions, secrets } of source.functions()) {
      const missing: string[] = [];
      for (const version of versions) {
        if (done.has(version.sha256)) continue;
        const moved = await moveArtifact(files, target, version.sha256, version.size);
        if (moved === "missing") missing.push(`version ${version.version} (sha256 ${version.sha256})`);
        else {
          done.add(version.sha256);
          report.artifacts.verified++;
          if (moved === "copied") report.artifacts.copied++;
        }
      }
      if (missing.length > 0) {
        report.functions.refused++;
        report.problems.push(
          `function "${fn.name}" (${fn.id}) not imported: missing or corrupt artifact of ${missing.join(", ")}`,
        );
        continue;
      }
      const result = await importFunction(sql, channel, fn, versions, secrets);
      if (result === "imported") {
        report.functions.imported++;
        report.versions += versions.length;
      } else if (result === "present") report.functions.present++;
      else {
        report.functions.refused++;
        report.problems.push(`function "${fn.name}" (${fn.id}) not imported: ${result.conflict}`);
      }
      logger.log("debug", "function migrated", { function_id: fn.id, name: fn.name, result: String(result) });
    }
    for (const node of source.nodes()) {
      const { keySha256, ...record } = node;
      if (await importNode(sql, record, keySha256)) report.nodes.imported++;
      else report.nodes.present++;
    }
    return report;
  } finally {
    await sql.close();
    source.close();
    lock.release();
  }
}

/** Reads the artifact, checks its hash and size, and writes it to `target` (when given). */
async function moveArtifact(
  files: ArtifactStore,
  target: ArtifactStore | null,
  sha256: string,
  size: number,
): Promise<"verified" | "copied" | "missing"> {
  const blob = await files.get(sha256);
  if (!blob) return "missing";
  // Already in the bucket (an earlier run): objects are only ever published after their hash was checked.
  const present = target ? (await target.get(sha256)) !== null : false;
  if (present) target = null;
  const hash = new Sha256();
  const staged = target ? await target.stage() : null;
  let length = 0;
  try {
    for await (const chunk of blob.stream()) {
      hash.update(chunk);
      length += chunk.byteLength;
      await staged?.write(chunk);
    }
    if (hash.hex() !== sha256 || length !== size) {
      await staged?.discard();
      return "missing";
    }
    if (!staged) return "verified"; // checked here; in place, or already in the bucket
    const published = await staged.publish();
    if (published.sha256 !== sha256) throw new Error(`artifact ${sha256} changed while it was copied`);
    return "copied";
  } catch (error) {
    await staged?.discard();
    throw error;
  }
}
