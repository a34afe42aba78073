// The metric label of a request: Elysia's route pattern when it matched one, else the pattern
// the path would match (requests refused before routing, e.g. 401), else "unmatched" —
// never the raw path, which would let callers mint unbounded label values.
const PATTERNS: [RegExp, string][] = [
  [/^\/api\/v1\/functions$/, "/api/v1/functions"],
  [/^\/api\/v1\/functions\/by-name\/[^/]+$/, "/api/v1/functions/by-name/:name"],
  [/^\/api\/v1\/functions\/by-name\/[^/]+\/(upload|versions|activate)$/, "/api/v1/functions/by-name/:name/$1"],
  [/^\/api\/v1\/functions\/by-name\/[^/]+\/versions\/[^/]+$/, "/api/v1/functions/by-name/:name/versions/:version"],
  [/^\/api\/v1\/functions\/[^/]+$/, "/api/v1/functions/:id"],
  [/^\/api\/v1\/functions\/[^/]+\/(upload|versions|activate)$/, "/api/v1/functions/:id/$1"],
  [/^\/api\/v1\/functions\/[^/]+\/versions\/[^/]+$/, "/api/v1/functions/:id/versions/:version"],
  [/^\/api\/v1\/artifacts\/[^/]+\/[^/]+$/, "/api/v1/artifacts/:id/:version"],
  [/^\/api\/v1\/(watch|nodes)$/, "/api/v1/$1"],
];

export function routeLabel(route: string | undefined, path: string): string {
  if (route) return route;
  for (const [pattern, label] of PATTERNS) if (pattern.test(path)) return path.replace(pattern, label);
  return "unmatched";
}
