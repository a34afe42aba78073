// 405 Method Not Allowed, with `Allow`, for a method a path's route does not take (instead of a
// 404 that says the path does not exist). The table is built from the app's own routes on the
// first request, so it can never disagree with them. A path matching several route patterns
// belongs to the most specific (a literal segment beats a parameter, left to right), as the
// router sees it: /api/v1/functions/by-name/x is the by-name route, never /{id}/x.
import { pathOf, requestTarget } from "../core/http/request-target";
import { ApiError } from "./errors";

interface RoutePattern {
  regex: RegExp;
  /** Per segment, 1 for a literal and 0 for a parameter: compared left to right. */
  rank: number[];
  methods: Set<string>;
}

type Routes = { method: string; path: string }[];

export class AllowedMethods {
  private app: { routes: Routes } | null = null;
  private table: RoutePattern[] | null = null;

  /** Takes the app whose routes are checked; returns it. */
  of<T extends { routes: Routes }>(app: T): T {
    this.app = app;
    return app;
  }

  /** An onRequest hook: throws 405 with `Allow` when the path's route does not take the method. */
  readonly check = ({ request }: { request: Request }): void => {
    this.table ??= buildTable(this.app?.routes ?? []);
    const path = pathOf(requestTarget(request) ?? "/");
    const methods = mostSpecific(this.table, path)?.methods;
    if (!methods || methods.has(request.method)) return;
    const allow = [...methods].join(", ");
    const message = `${request.method} is not allowed here; allowed: ${allow}`;
    throw new ApiError(405, "method_not_allowed", message, undefined, { allow });
  };
}

function buildTable(routes: Routes): RoutePattern[] {
  const byPath = new Map<string, RoutePattern>();
  for (const { method, path } of routes) {
    const segments = path.split("/").slice(1);
    let pattern = byPath.get(path);
    if (!pattern) {
      const parts = segments.map((s) => (s.startsWith(":") ? "[^/]+" : s === "*" ? ".*" : escape(s)));
      pattern = {
        regex: new RegExp(`^/${parts.join("/")}$`),
        rank: segments.map((s) => (s.startsWith(":") || s === "*" ? 0 : 1)),
        methods: new Set(),
      };
      byPath.set(path, pattern);
    }
    // A WebSocket route is a GET that upgrades; a GET route answers HEAD too.
    const name = method === "WS" ? "GET" : method;
    pattern.methods.add(name);
    if (name === "GET") pattern.methods.add("HEAD");
  }
  return [...byPath.values()];
}

function mostSpecific(table: RoutePattern[], path: string): RoutePattern | null {
  let best: RoutePattern | null = null;
  for (const pattern of table)
    if (pattern.regex.test(path) && (!best || outranks(pattern.rank, best.rank))) best = pattern;
  return best;
}

function outranks(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return a.length > b.length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
