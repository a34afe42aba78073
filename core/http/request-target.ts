// The path and query a request asked for, from its request line alone, never from its Host.
// Bun builds request.url as "http://<Host><target>" when the Host header is usable, and leaves
// it relative ("<target>") when the Host is absent (HTTP/1.0) or one it cannot use ("a b",
// "x/y", empty). A Host cannot hold a '/', so the path starts at the first '/' after "://".
// Shared by the runner and the control plane; see docs/edge.md ("The front door").

const SLASH = 47;

/**
 * "/path?query" as the client sent it (dot segments already resolved by Bun), or null for a
 * malformed request: a Host header Bun could not use, or a target that is not a path (the
 * authority of a CONNECT). A request with no Host at all (HTTP/1.0; Bun refuses it on
 * HTTP/1.1) is served by its path.
 */
export function requestTarget(request: Request): string | null {
  const url = request.url;
  if (url.charCodeAt(0) === SLASH) return request.headers.get("host") === null ? url : null;
  const scheme = url.indexOf("://");
  if (scheme < 0) return null;
  const start = url.indexOf("/", scheme + 3);
  return start < 0 ? "/" : url.slice(start);
}

/** The path of a request target: everything before the '?'. */
export function pathOf(target: string): string {
  const query = target.indexOf("?");
  return query < 0 ? target : target.slice(0, query);
}

/** The one sentence a malformed request is told, by the runner and the control plane alike. */
export const MALFORMED_REQUEST =
  "malformed request: send a path (e.g. GET /hello) and a valid Host header, or none on HTTP/1.0";
