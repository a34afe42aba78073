// The change feed on PostgreSQL: changes after a revision and pages of the snapshot, each within
// a byte budget, and a function's one change row. Reads run in one REPEATABLE READ transaction:
// the first query finds where the budget ends from the rows' sizes alone, the second reads whole
// records up to there, both from one snapshot. Writers hold the revision counter's row lock
// (metadata-store.ts), so a snapshot always holds a prefix of the revisions: never 7 without 6.
import type { SQL } from "bun";
import type { ChangeKind } from "../../../core/contract";
import type { ChangeEntry, FeedPage, SerializedFunction } from "../metadata-store";
import { changeEntry, deployedJson, ROW_OVERHEAD, type DeployedRow } from "../rows";
import { fromPg } from "./pg-rows";

/** Rows whose sizes are read per page before the budget is applied; more than any page holds. */
const SIZE_SCAN = 10_000;
/** A tombstone's weight: its revision and id. */
const TOMBSTONE_WEIGHT = 128;

const WEIGHT = `COALESCE(octet_length(f.env) + octet_length(f.routes) + ${ROW_OVERHEAD}
  + COALESCE((SELECT SUM(s.json_bytes) FROM secrets s WHERE s.function_id = f.id), 0), ${TOMBSTONE_WEIGHT})`;
const DEPLOYED = `v.sha256 AS artifact_sha256, v.size AS artifact_size,
  (SELECT json_object_agg(s.key, encode(s.sealed, 'hex') ORDER BY s.key)::text FROM secrets s WHERE s.function_id = f.id) AS sealed_secrets,
  ${WEIGHT} AS weight`;

export async function readCounter(sql: SQL, name: "revision" | "compacted_through"): Promise<number> {
  const [row] = await sql`SELECT value FROM counters WHERE name = ${name}`;
  return Number((row as { value: string }).value);
}

/** How many of the rows, in order, fit `maxBytes` (at least one), and whether some were left. */
function cut(
  weights: { weight: string | number }[],
  maxBytes: number,
  scanned: boolean,
): { take: number; more: boolean } {
  let used = 0;
  for (let i = 0; i < weights.length; i++) {
    const weight = Number(weights[i]!.weight);
    if (i > 0 && used + weight > maxBytes) return { take: i, more: true };
    used += weight;
  }
  return { take: weights.length, more: scanned };
}

export async function readChanges(sql: SQL, after: number, maxBytes: number): Promise<FeedPage<ChangeEntry>> {
  return sql.begin(async (tx) => {
    await tx`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`;
    const sizes = await tx.unsafe(
      `SELECT c.revision, ${WEIGHT} AS weight FROM changes c LEFT JOIN functions f ON f.id = c.function_id
       WHERE c.revision > $1 ORDER BY c.revision LIMIT ${SIZE_SCAN + 1}`,
      [after],
    );
    const { take, more } = cut(sizes.slice(0, SIZE_SCAN), maxBytes, sizes.length > SIZE_SCAN);
    if (take === 0) return { entries: [], more: false };
    const last = Number(sizes[take - 1].revision);
    const rows = (await tx.unsafe(
      `SELECT c.revision AS change_revision, c.function_id AS change_function_id, f.*, ${DEPLOYED}
       FROM changes c LEFT JOIN functions f ON f.id = c.function_id
       LEFT JOIN versions v ON v.function_id = f.id AND v.version = f.active_version
       WHERE c.revision > $1 AND c.revision <= $2 ORDER BY c.revision`,
      [after, last],
    )) as (DeployedRow & { change_function_id: string })[];
    return { entries: rows.map((row) => changeEntry(fromPg(row))), more };
  });
}

export async function readSnapshotPage(
  sql: SQL,
  after: string | null,
  maxBytes: number,
): Promise<FeedPage<SerializedFunction>> {
  return sql.begin(async (tx) => {
    await tx`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`;
    const sizes = await tx.unsafe(
      `SELECT f.id, ${WEIGHT} AS weight FROM functions f WHERE f.id > $1 ORDER BY f.id LIMIT ${SIZE_SCAN + 1}`,
      [after ?? ""],
    );
    const { take, more } = cut(sizes.slice(0, SIZE_SCAN), maxBytes, sizes.length > SIZE_SCAN);
    if (take === 0) return { entries: [], more: false };
    const rows = (await tx.unsafe(
      `SELECT f.*, c.revision AS change_revision, ${DEPLOYED}
       FROM functions f LEFT JOIN versions v ON v.function_id = f.id AND v.version = f.active_version
       LEFT JOIN changes c ON c.function_id = f.id
       WHERE f.id > $1 AND f.id <= $2 ORDER BY f.id`,
      [after ?? "", sizes[take - 1].id],
    )) as DeployedRow[];
    const entries = rows.map(fromPg).map((row) => ({
      functionId: row.id,
      revision: row.change_revision ?? 0,
      ...deployedJson(row),
      sealed: row.sealed_secrets,
    }));
    return { entries, more };
  });
}

/** Forgets all but the newest `keep` deletions; nodes behind one forgotten then need a snapshot. */
export async function pruneDeletions(tx: SQL, keep: number): Promise<number> {
  const [found] =
    await tx`SELECT revision FROM changes WHERE kind = 'function.deleted' ORDER BY revision DESC LIMIT 1 OFFSET ${keep}`;
  if (!found) return 0;
  const revision = Number((found as { revision: string }).revision);
  await tx`UPDATE counters SET value = GREATEST(value, ${revision}) WHERE name = 'compacted_through'`;
  const deleted = await tx`DELETE FROM changes WHERE kind = 'function.deleted' AND revision <= ${revision}`;
  return deleted.count;
}

/**
 * Moves the function's one change row to the next revision and tells every replica (NOTIFY is
 * delivered at commit, dropped on rollback). The caller holds the counter's lock.
 */
export async function recordChange(
  tx: SQL,
  channel: string,
  kind: ChangeKind,
  functionId: string,
  version: number | null,
  at: string,
): Promise<number> {
  const [row] = await tx`UPDATE counters SET value = value + 1 WHERE name = 'revision' RETURNING value`;
  const revision = Number((row as { value: string }).value);
  await tx`INSERT INTO changes (function_id, revision, kind, version, at) VALUES (${functionId}, ${revision}, ${kind}, ${version}, ${at})
    ON CONFLICT (function_id) DO UPDATE SET revision = excluded.revision, kind = excluded.kind, version = excluded.version, at = excluded.at`;
  await tx.notify(channel, String(revision));
  return revision;
}

/** Takes the revision counter's row lock: every mutation does first, so writers are serialized in one order. */
export async function lockRevision(tx: SQL): Promise<void> {
  await tx`SELECT value FROM counters WHERE name = 'revision' FOR UPDATE`;
}

/** One write: a transaction that takes the revision lock first, then runs `body`. */
export function lockedWrite<T>(sql: SQL, body: (tx: SQL) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await lockRevision(tx);
    return body(tx);
  }) as Promise<T>;
}
