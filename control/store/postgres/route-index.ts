// The routes table on PostgreSQL: the same overlap check as sqlite-route-index.ts (see it and
// route-pattern.ts for what overlapping means), in index lookups, inside the writing
// transaction, which holds the revision lock, so two racing registrations can't both pass.
import type { SQL } from "bun";
import { parseRoute } from "../../../core/contract";
import { routeTaken } from "../write-checks";
import type { StoreFailure } from "../metadata-store";

type Owner = { id: string; name: string; pattern: string };

async function overlappingRoute(tx: SQL, pattern: string, selfId: string): Promise<Owner | null> {
  const route = parseRoute(pattern);
  const key = route.kind === "exact" ? route.path : route.prefix;
  const prefixes: string[] = [];
  for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1))
    prefixes.push(key.slice(0, slash + 1));
  const [found] =
    route.kind === "exact"
      ? await tx`SELECT r.function_id AS id, f.name, r.pattern FROM routes r JOIN functions f ON f.id = r.function_id
          WHERE r.key = ${key} AND r.kind = 'exact' AND r.function_id <> ${selfId} LIMIT 1`
      : // Every key that starts with the prefix: it ends in '/', and '0' follows '/' in byte order (key is COLLATE "C").
        await tx`SELECT r.function_id AS id, f.name, r.pattern FROM routes r JOIN functions f ON f.id = r.function_id
          WHERE r.key >= ${key} AND r.key < ${`${key.slice(0, -1)}0`} AND r.function_id <> ${selfId} LIMIT 1`;
  if (found) return found as Owner;
  if (prefixes.length === 0) return null;
  const [prefix] =
    await tx`SELECT r.function_id AS id, f.name, r.pattern FROM routes r JOIN functions f ON f.id = r.function_id
    WHERE r.key = ANY(${tx.array(prefixes)}::text[]) AND r.kind = 'prefix' AND r.function_id <> ${selfId} LIMIT 1`;
  return (prefix as Owner | undefined) ?? null;
}

/** The routes table's rows for a function: what overlappingRoute() looks up. */
export async function indexRoutes(tx: SQL, functionId: string, routes: readonly string[]): Promise<void> {
  await tx`DELETE FROM routes WHERE function_id = ${functionId}`;
  for (const pattern of routes) {
    const route = parseRoute(pattern);
    const key = route.kind === "exact" ? route.path : route.prefix;
    await tx`INSERT INTO routes (function_id, pattern, kind, key) VALUES (${functionId}, ${pattern}, ${route.kind}, ${key})`;
  }
}

/** Name and route uniqueness. */
export async function conflictOf(
  tx: SQL,
  name: string,
  routes: readonly string[],
  selfId: string | null,
): Promise<StoreFailure | null> {
  const [taken] = await tx`SELECT 1 FROM functions WHERE name = ${name} AND id <> ${selfId ?? ""}`;
  if (taken) return { ok: false, reason: "name_taken", name };
  for (const mine of routes) {
    const theirs = await overlappingRoute(tx, mine, selfId ?? "");
    if (theirs) return routeTaken(mine, theirs);
  }
  return null;
}

/** A secret of the function with a name in `env` (the guest sees both as env: no name may be both). */
export async function secretNamedIn(
  tx: SQL,
  id: string,
  env: Record<string, string> | undefined,
): Promise<{ ok: false; reason: "secret_name_taken"; key: string } | null> {
  if (env === undefined || Object.keys(env).length === 0) return null;
  const [row] =
    await tx`SELECT key FROM secrets WHERE function_id = ${id} AND key = ANY(${tx.array(Object.keys(env))}::text[]) ORDER BY key LIMIT 1`;
  return row ? { ok: false, reason: "secret_name_taken", key: (row as { key: string }).key } : null;
}
