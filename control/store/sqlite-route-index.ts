// The routes table: every function's routes indexed by path, so the overlap check at
// registration is a few index lookups whatever the number of functions (see route-pattern.ts
// for what overlapping means). Runs inside the store's write transactions.
import type { Database } from "bun:sqlite";
import { parseRoute } from "../../core/contract";
import { routeTaken } from "./write-checks";
import type { StoreFailure } from "./metadata-store";

/**
 * Another function's route that some path matches along with `pattern` (see route-pattern.ts),
 * in index lookups, whatever the number of functions: an exact path /a/b meets the exact /a/b
 * and the prefix routes /*, /a/* it starts with; a prefix /a/ meets every route whose key
 * starts with /a/ (a key range) and the prefixes it starts with.
 */
export function overlappingRoute(
  db: Database,
  pattern: string,
  selfId: string,
): { id: string; name: string; pattern: string } | null {
  const route = parseRoute(pattern);
  const key = route.kind === "exact" ? route.path : route.prefix;
  const prefixes: string[] = [];
  for (let slash = key.indexOf("/"); slash >= 0; slash = key.indexOf("/", slash + 1))
    prefixes.push(key.slice(0, slash + 1));
  const select = "SELECT r.function_id AS id, f.name, r.pattern FROM routes r JOIN functions f ON f.id = r.function_id";
  const found =
    route.kind === "exact"
      ? db.query(`${select} WHERE r.key = ? AND r.kind = 'exact' AND r.function_id != ? LIMIT 1`).get(key, selfId)
      : // Every key that starts with the prefix: the prefix ends in '/', and '0' follows '/' in byte order.
        db
          .query(`${select} WHERE r.key >= ? AND r.key < ? AND r.function_id != ? LIMIT 1`)
          .get(key, `${key.slice(0, -1)}0`, selfId);
  return (found ??
    db
      .query(
        `${select} WHERE r.key IN (SELECT value FROM json_each(?)) AND r.kind = 'prefix' AND r.function_id != ? LIMIT 1`,
      )
      .get(JSON.stringify(prefixes), selfId)) as {
    id: string;
    name: string;
    pattern: string;
  } | null;
}

/** The routes table's rows for a function: what overlappingRoute() looks up. */
export function indexRoutes(db: Database, functionId: string, routes: readonly string[]): void {
  db.query("DELETE FROM routes WHERE function_id = ?").run(functionId);
  const insert = db.query("INSERT INTO routes (function_id, pattern, kind, key) VALUES (?, ?, ?, ?)");
  for (const pattern of routes) {
    const route = parseRoute(pattern);
    insert.run(functionId, pattern, route.kind, route.kind === "exact" ? route.path : route.prefix);
  }
}

/** Name and route uniqueness, checked inside the writing transaction so two racing writes can't both pass. */
export function conflictOf(
  db: Database,
  name: string,
  routes: readonly string[],
  selfId: string | null,
): StoreFailure | null {
  if (db.query("SELECT 1 FROM functions WHERE name = ? AND id != ?").get(name, selfId ?? ""))
    return { ok: false, reason: "name_taken", name };
  for (const mine of routes) {
    const theirs = overlappingRoute(db, mine, selfId ?? "");
    if (theirs) return routeTaken(mine, theirs);
  }
  return null;
}
