// Route patterns, shared by the control plane (overlap check at registration) and edge nodes
// (request path -> function). Two forms only, so "overlap" is decidable and obvious:
//   exact   `/a/b`  matches the path /a/b and nothing else (`/` matches only the root)
//   prefix  `/a/*`  matches every path that starts with /a/ (not /a itself; `/*` matches all)
// Two patterns overlap when some path matches both; overlapping routes of two functions are
// refused, so a path never has two owners and edge routing needs no precedence rules.

/** Paths every node answers itself, for every method (runner/http/app.ts): never a function's. */
export const NODE_PATHS: readonly string[] = ["/healthz", "/readyz", "/metrics"];

export type RoutePattern = { kind: "exact"; path: string } | { kind: "prefix"; prefix: string };

export function parseRoute(pattern: string): RoutePattern {
  return pattern.endsWith("/*") ? { kind: "prefix", prefix: pattern.slice(0, -1) } : { kind: "exact", path: pattern };
}

export function routesOverlap(a: string, b: string): boolean {
  const ra = parseRoute(a);
  const rb = parseRoute(b);
  if (ra.kind === "exact" && rb.kind === "exact") return ra.path === rb.path;
  if (ra.kind === "exact" && rb.kind === "prefix") return ra.path.startsWith(rb.prefix);
  if (ra.kind === "prefix" && rb.kind === "exact") return rb.path.startsWith(ra.prefix);
  const [pa, pb] = [(ra as { prefix: string }).prefix, (rb as { prefix: string }).prefix];
  return pa.startsWith(pb) || pb.startsWith(pa);
}

export function defaultRoutes(name: string): string[] {
  return [`/${name}`, `/${name}/*`];
}

/** The first pair (mine, theirs) that overlaps, if any. */
export function firstOverlap(mine: readonly string[], theirs: readonly string[]): [string, string] | null {
  for (const a of mine) for (const b of theirs) if (routesOverlap(a, b)) return [a, b];
  return null;
}

/**
 * Why a node could never serve `pattern` (one that ROUTE_PATTERN accepts), or null. A node
 * routes the request's path as Bun hands it over: dot segments resolved (`/a/../b` and
 * `/a/%2e%2e/b` arrive as `/b`), percent-escapes kept as sent, nothing else changed (see
 * tests/control/route-pattern.test.ts); and /healthz, /readyz, /metrics are its own.
 */
export function unservableRoute(pattern: string): string | null {
  if (/%(?![0-9A-Fa-f]{2})/.test(pattern))
    return "has an invalid percent-escape ('%' must be followed by two hex digits)";
  if (pattern.split("/").some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)))
    return "has a '.' or '..' segment, which is resolved away before a request is routed";
  const route = parseRoute(pattern);
  if (route.kind === "exact" && NODE_PATHS.includes(route.path))
    return "is answered by every edge node itself (health, readiness or metrics), never by a function";
  return null;
}

/** The one of `routes` that serves `path` (exact first, then the longest prefix), as a node routes it. */
export function matchedRoute(routes: readonly string[], path: string): string | null {
  let best: string | null = null;
  for (const pattern of routes) {
    const route = parseRoute(pattern);
    if (route.kind === "exact") {
      if (route.path === path) return pattern;
    } else if (path.startsWith(route.prefix) && (best === null || pattern.length > best.length)) best = pattern;
  }
  return best;
}

/** CGI's SCRIPT_NAME for a route: its fixed part (`/a/*` -> `/a`, `/*` -> ``, `/a/b` -> `/a/b`). */
export function scriptNameOf(pattern: string): string {
  const route = parseRoute(pattern);
  return route.kind === "exact" ? (route.path === "/" ? "" : route.path) : route.prefix.slice(0, -1);
}
