// Copies records from another store into PostgreSQL as they are: same ids, times, version numbers
// and sealed secrets (sealed with the function id and name, so they open here with the same key).
// Used by `control migrate`. Idempotent: a function already here under its id is left as it is.
// One transaction per function, under the revision lock like every write, each a change of it.
import type { SQL } from "bun";
import type { FunctionRecord, NodeRecord, VersionRecord } from "../../../core/contract";
import { lockRevision, recordChange } from "./feed";
import { conflictOf, indexRoutes } from "./route-index";

export type ImportResult = "imported" | "present" | { conflict: string };

/** A sealed secret as stored, with its entry's size in the secrets' JSON (secret-store.ts put). */
export interface StoredSecret {
  key: string;
  sealed: Uint8Array;
  jsonBytes: number;
  updatedAt: string;
}

export async function importFunction(
  sql: SQL,
  channel: string,
  fn: FunctionRecord,
  versions: readonly VersionRecord[],
  secrets: readonly StoredSecret[],
): Promise<ImportResult> {
  return sql.begin(async (tx) => {
    await lockRevision(tx);
    const [present] = await tx`SELECT 1 FROM functions WHERE id = ${fn.id}`;
    if (present) return "present";
    const conflict = await conflictOf(tx, fn.name, fn.routes, fn.id);
    if (conflict?.reason === "name_taken") return { conflict: `another function here is named "${fn.name}"` };
    if (conflict?.reason === "route_taken")
      return { conflict: `route ${conflict.route} overlaps ${conflict.owner.route} of "${conflict.owner.name}" here` };
    await tx`INSERT INTO functions (id, name, entrypoint, runtime, memory_pages, max_execution_ms, max_concurrency, max_body_bytes, env, routes, active_version, created_at, updated_at)
      VALUES (${fn.id}, ${fn.name}, ${fn.entrypoint}, ${fn.runtime}, ${fn.memory_pages}, ${fn.max_execution_ms}, ${fn.max_concurrency ?? null},
        ${fn.max_body_bytes ?? null}, ${JSON.stringify(fn.env)}, ${JSON.stringify(fn.routes)}, ${fn.active_version}, ${fn.created_at}, ${fn.updated_at})`;
    await indexRoutes(tx, fn.id, fn.routes);
    for (const v of versions)
      await tx`INSERT INTO versions (function_id, version, sha256, size, created_at) VALUES (${fn.id}, ${v.version}, ${v.sha256}, ${v.size}, ${v.created_at})`;
    for (const s of secrets)
      await tx`INSERT INTO secrets (function_id, key, sealed, json_bytes, updated_at) VALUES (${fn.id}, ${s.key}, ${Buffer.from(s.sealed)}, ${s.jsonBytes}, ${s.updatedAt})`;
    await recordChange(tx, channel, "function.created", fn.id, fn.active_version, fn.updated_at);
    return "imported";
  });
}

/** A node's record and key hash, as disconnected, so its key still guards its id; one already here is kept. */
export async function importNode(
  sql: SQL,
  node: Omit<NodeRecord, "connected" | "applied_revision">,
  keySha256: string | null,
): Promise<boolean> {
  const inserted =
    await sql`INSERT INTO nodes (id, address, version, applied_revision, connected, connected_at, last_seen, problems, key_sha256, replica)
    VALUES (${node.id}, ${node.address}, ${node.version}, ${0}, FALSE, ${node.connected_at}, ${node.last_seen}, ${JSON.stringify(node.problems)}, ${keySha256}, NULL)
    ON CONFLICT (id) DO NOTHING`;
  return inserted.count > 0;
}
