// The change feed on bun:sqlite: reading changes after a revision and pages of the snapshot,
// each within a byte budget, and writing a function's one change row. Called inside the store's
// transactions (sqlite-metadata-store.ts), so the feed never disagrees with the tables.
import type { Database } from "bun:sqlite";
import type { ChangeKind } from "../../core/contract";
import type { ChangeEntry, FeedPage, SerializedFunction } from "./metadata-store";
import { changeEntry, deployedJson, ROW_OVERHEAD, takeBudget, type DeployedRow } from "./rows";

/** The function's sealed secrets as {key: hex}, null when it has none (one index lookup when none). */
const SEALED_SECRETS = `(SELECT CASE WHEN COUNT(*) = 0 THEN NULL ELSE json_group_object(s.key, hex(s.sealed)) END
  FROM secrets s WHERE s.function_id = f.id)`;
const DEPLOYED_COLUMNS = `v.sha256 AS artifact_sha256, v.size AS artifact_size, ${SEALED_SECRETS} AS sealed_secrets,
  length(CAST(f.env AS BLOB)) + length(CAST(f.routes AS BLOB)) + ${ROW_OVERHEAD}
  + COALESCE((SELECT SUM(s.json_bytes) FROM secrets s WHERE s.function_id = f.id), 0) AS weight`;

export function readCounter(db: Database, name: "revision" | "compacted_through"): number {
  return (db.query("SELECT value FROM counters WHERE name = ?").get(name) as { value: number }).value;
}

/** One statement: each row's function is read as of the row's revision (both written in one transaction). */
export function readChanges(db: Database, after: number, maxBytes: number): FeedPage<ChangeEntry> {
  const rows = db
    .query(
      `SELECT c.revision AS change_revision, c.function_id AS change_function_id, f.*, ${DEPLOYED_COLUMNS}
       FROM changes c LEFT JOIN functions f ON f.id = c.function_id
       LEFT JOIN versions v ON v.function_id = f.id AND v.version = f.active_version
       WHERE c.revision > ? ORDER BY c.revision`,
    )
    .iterate(after) as IterableIterator<DeployedRow & { change_function_id: string }>;
  return takeBudget(rows, maxBytes, changeEntry);
}

export function readSnapshotPage(db: Database, after: string | null, maxBytes: number): FeedPage<SerializedFunction> {
  const rows = db
    .query(
      `SELECT f.*, c.revision AS change_revision, ${DEPLOYED_COLUMNS}
       FROM functions f LEFT JOIN versions v ON v.function_id = f.id AND v.version = f.active_version
       LEFT JOIN changes c ON c.function_id = f.id
       WHERE f.id > ? ORDER BY f.id`,
    )
    .iterate(after ?? "") as IterableIterator<DeployedRow>;
  return takeBudget(rows, maxBytes, (row) => ({
    functionId: row.id,
    revision: row.change_revision ?? 0,
    ...deployedJson(row),
    sealed: row.sealed_secrets,
  }));
}

/** Forgets all but the newest `keep` deletions; nodes behind one forgotten then need a snapshot. */
export function pruneDeletions(db: Database, keep: number): number {
  const cut = db
    .query("SELECT revision FROM changes WHERE kind = 'function.deleted' ORDER BY revision DESC LIMIT 1 OFFSET ?")
    .get(keep) as { revision: number } | null;
  if (!cut) return 0;
  db.query("UPDATE counters SET value = MAX(value, ?) WHERE name = 'compacted_through'").run(cut.revision);
  return db.query("DELETE FROM changes WHERE kind = 'function.deleted' AND revision <= ?").run(cut.revision).changes;
}

/** Moves the function's one change row to the next revision: what changed, by id, not the record. */
export function recordChange(
  db: Database,
  kind: ChangeKind,
  functionId: string,
  version: number | null,
  at: string,
): void {
  const { value } = db.query("UPDATE counters SET value = value + 1 WHERE name = 'revision' RETURNING value").get() as {
    value: number;
  };
  db.query(
    `INSERT INTO changes (function_id, revision, kind, version, at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (function_id) DO UPDATE SET revision = excluded.revision, kind = excluded.kind, version = excluded.version, at = excluded.at`,
  ).run(functionId, value, kind, version, at);
}
