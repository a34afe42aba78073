// The metadata tables' rows as the contract's records, and as the watch feed's JSON (pages bounded
// by bytes). Shared by the SQLite and PostgreSQL stores, whose tables have the same columns.
import type { FunctionRecord, RuntimeName, VersionRecord } from "../../core/contract";
import type { ChangeEntry, FeedPage } from "./metadata-store";

export interface FunctionRow {
  id: string;
  name: string;
  entrypoint: string;
  runtime: string;
  memory_pages: number;
  max_execution_ms: number;
  max_concurrency: number | null;
  max_body_bytes: number | null;
  env: string;
  routes: string;
  active_version: number | null;
  created_at: string;
  updated_at: string;
}

export interface VersionRow {
  function_id: string;
  version: number;
  sha256: string;
  size: number;
  created_at: string;
}

/** A function row with its active version's artifact, its last change's revision and its sealed secrets. */
export type DeployedRow = FunctionRow & {
  artifact_sha256: string | null;
  artifact_size: number | null;
  change_revision: number | null;
  sealed_secrets: string | null;
  weight: number;
};

/** Bytes a row costs besides its env, routes and secrets: the other fields and JSON punctuation, generously. */
export const ROW_OVERHEAD = 1024;

/** Rows until their weight passes `maxBytes` (at least one); stops the statement early. */
export function takeBudget<R extends { weight: number }, T>(
  rows: IterableIterator<R>,
  maxBytes: number,
  map: (row: R) => T,
): FeedPage<T> {
  const entries: T[] = [];
  let used = 0;
  for (const row of rows) {
    if (entries.length > 0 && used + row.weight > maxBytes) {
      rows.return?.();
      return { entries, more: true };
    }
    used += row.weight;
    entries.push(map(row));
  }
  return { entries, more: false };
}

/**
 * The row as a DeployedFunction's JSON, put together around the env and routes text as stored
 * (JSON.stringify wrote it), so the env, up to 1 MiB, is never parsed and serialized again, and
 * its size is summed from the parts: the result stays a rope until the page is joined.
 */
export function deployedJson(row: DeployedRow): { json: string; bytes: number } {
  const q = JSON.stringify;
  const artifact =
    row.active_version !== null && row.artifact_sha256 !== null
      ? q({ version: row.active_version, sha256: row.artifact_sha256, size: row.artifact_size ?? 0 })
      : "null";
  const head =
    `{"function":{"id":${q(row.id)},"name":${q(row.name)},"entrypoint":${q(row.entrypoint)},"runtime":${q(row.runtime)},` +
    `"memory_pages":${row.memory_pages},"max_execution_ms":${row.max_execution_ms},"max_concurrency":${row.max_concurrency ?? null},"max_body_bytes":${row.max_body_bytes ?? null},"env":`;
  const tail = `,"routes":${row.routes},"active_version":${row.active_version ?? null},"created_at":${q(row.created_at)},"updated_at":${q(row.updated_at)}},"artifact":${artifact},"revision":${row.change_revision ?? 0}}`;
  return {
    json: head + row.env + tail,
    bytes: Buffer.byteLength(head) + Buffer.byteLength(row.env) + Buffer.byteLength(tail),
  };
}

/** A change row joined with its function (null after a deletion) as a feed entry. */
export function changeEntry(row: DeployedRow & { change_function_id: string }): ChangeEntry {
  const entry = row.id === null ? null : deployedJson(row);
  return {
    revision: row.change_revision!,
    functionId: row.change_function_id,
    json: entry?.json ?? null,
    bytes: entry?.bytes ?? 0,
    sealed: entry ? row.sealed_secrets : null,
  };
}

/** Field by field: rows joined with other tables carry more columns than the record has. */
export function toFunction(row: FunctionRow): FunctionRecord {
  return {
    id: row.id,
    name: row.name,
    entrypoint: row.entrypoint,
    runtime: row.runtime as RuntimeName,
    memory_pages: row.memory_pages,
    max_execution_ms: row.max_execution_ms,
    max_concurrency: row.max_concurrency,
    max_body_bytes: row.max_body_bytes,
    env: JSON.parse(row.env),
    routes: JSON.parse(row.routes),
    active_version: row.active_version,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toVersion(row: VersionRow, activeVersion: number | null): VersionRecord {
  return {
    function_id: row.function_id,
    version: row.version,
    sha256: row.sha256,
    size: row.size,
    active: row.version === activeVersion,
    created_at: row.created_at,
  };
}
