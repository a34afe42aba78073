// --control-plane URL1,URL2,... (or EDGE_RUNNER_CONTROL_PLANE): the control planes an edge node
// may follow, in the order it tries them. Each must be an http(s) base URL (scheme, host, port);
// each is kept as its origin, so "http://CP:80/" and "http://cp" are one control plane, and a
// list naming one twice is refused. Credentials in a URL are refused (the URL is logged; the
// token comes from --token-file).
import type { Refused } from "../core/config/load-config";

export const MAX_CONTROL_PLANES = 16;
const BASE_URL = /^https?:\/\/[^\s/?#@]+\/?$/i;
const EXAMPLE = "e.g. http://127.0.0.1:8080";

export function parseControlPlanes(text: string): { ok: true; urls: string[] } | Refused {
  const entries = text.split(",").map((entry) => entry.trim());
  const refuse = (why: string): Refused => ({ ok: false, message: `invalid --control-plane: ${why}` });
  if (entries.length > MAX_CONTROL_PLANES) return refuse(`${entries.length} URLs; at most ${MAX_CONTROL_PLANES}`);
  const urls: string[] = [];
  for (const [i, entry] of entries.entries()) {
    if (entry === "") return refuse(`entry ${i + 1} is empty (URLs are separated by single commas)`);
    // Not echoed: what precedes the @ may be a password.
    if (/^[a-z]+:\/\/[^/?#]*@/i.test(entry))
      return refuse(`entry ${i + 1} carries credentials (user@host); the token comes from --token-file`);
    const origin = BASE_URL.test(entry) ? originOf(entry) : null;
    if (origin === null) return refuse(`"${entry}" is not an http(s) base URL (scheme, host and port, ${EXAMPLE})`);
    if (urls.includes(origin)) return refuse(`"${entry}" is named twice (as ${origin})`);
    urls.push(origin);
  }
  return { ok: true, urls };
}

function originOf(text: string): string | null {
  try {
    return new URL(text).origin;
  } catch {
    return null;
  }
}
