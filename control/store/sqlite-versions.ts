// The versions table on bun:sqlite: pages of a function's versions and the retention cut. Called
// by sqlite-metadata-store.ts, the cut inside its write transactions.
import type { Database } from "bun:sqlite";
import type { VersionRecord } from "../../core/contract";
import type { VersionPage } from "./metadata-store";
import { toVersion, type VersionRow } from "./rows";

export function readVersionPage(
  db: Database,
  functionId: string,
  activeVersion: number | null,
  { limit, after }: { limit: number; after?: number },
): VersionPage {
  const rows = db
    .query("SELECT * FROM versions WHERE function_id = ? AND version > ? ORDER BY version LIMIT ?")
    .all(functionId, after ?? 0, limit + 1) as VersionRow[];
  const items = rows.slice(0, limit).map((row) => toVersion(row, activeVersion));
  return { items, next: rows.length > limit ? items[items.length - 1]!.version : null };
}

/** Deletes the versions older than the newest `keep`, except `activeVersion`; returns them. */
export function cutVersions(
  db: Database,
  functionId: string,
  activeVersion: number | null,
  keep: number,
): VersionRecord[] {
  const rows = db
    .query(
      `DELETE FROM versions WHERE function_id = ?1 AND version IS NOT ?2 AND version <
         (SELECT MIN(version) FROM (SELECT version FROM versions WHERE function_id = ?1 ORDER BY version DESC LIMIT ?3))
       RETURNING *`,
    )
    .all(functionId, activeVersion, keep) as VersionRow[];
  return rows.map((row) => toVersion(row, activeVersion)).sort((a, b) => a.version - b.version);
}

export function isReferenced(db: Database, sha256: string): boolean {
  return db.query("SELECT 1 FROM versions WHERE sha256 = ? LIMIT 1").get(sha256) !== null;
}
