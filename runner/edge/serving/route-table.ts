// Request path -> deployment, from each function's routes: an exact path (`/a/b`), or a prefix
// (`/a/*`, everything under /a/). Exact first, then the longest prefix. The control plane refuses
// overlapping routes, so precedence only matters for a node still serving an old version of a
// function whose routes moved. A table never changes once built: the router swaps in a new one,
// so a request sees the table before a change or after it, never half of it.
import { parseRoute } from "../../../core/contract";

export class RouteTable<T extends { routes: readonly string[]; poolKey: string }> {
  private constructor(
    private readonly exact: ReadonlyMap<string, T>,
    /** Keyed by the prefix including its trailing slash (`/a/` for `/a/*`, `/` for `/*`). */
    private readonly prefixes: ReadonlyMap<string, T>,
    readonly entries: readonly T[],
    private readonly poolKeys: ReadonlySet<string> = new Set(entries.map((entry) => entry.poolKey)),
  ) {}

  static build<T extends { routes: readonly string[]; poolKey: string }>(entries: Iterable<T>): RouteTable<T> {
    const exact = new Map<string, T>();
    const prefixes = new Map<string, T>();
    const list = [...entries];
    for (const entry of list) {
      for (const pattern of entry.routes) {
        const route = parseRoute(pattern);
        const target = route.kind === "exact" ? exact : prefixes;
        const key = route.kind === "exact" ? route.path : route.prefix;
        if (!target.has(key)) target.set(key, entry);
      }
    }
    return new RouteTable(exact, prefixes, list);
  }

  static empty<T extends { routes: readonly string[]; poolKey: string }>(): RouteTable<T> {
    return RouteTable.build<T>([]);
  }

  match(path: string): T | null {
    const exact = this.exact.get(path);
    if (exact) return exact;
    if (this.prefixes.size === 0) return null;
    // Every prefix of the path that ends at a '/', longest first.
    for (let slash = path.lastIndexOf("/"); slash >= 0; slash = path.lastIndexOf("/", slash - 1)) {
      const hit = this.prefixes.get(path.slice(0, slash + 1));
      if (hit) return hit;
      if (slash === 0) break;
    }
    return null;
  }

  hasPoolKey(poolKey: string): boolean {
    return this.poolKeys.has(poolKey);
  }
}
