// The verdict of the front-door fuzz (host-fuzz.test.ts) on one raw exchange: what a client may
// get (a routed answer, a 400 in the error shape, Bun's parser's own bare 400/505 or a close) and
// what it must never get (a 5xx of ours, a leak, a connection left open).
import type { RawReply } from "../helpers/raw-http";
import { REPO_ROOT } from "../helpers/server-process";

/** `{"error":{"code":"...","message":"...",...}}` */
export function productError(body: string): boolean {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof error?.code === "string" && typeof error.message === "string";
  } catch {
    return false;
  }
}

/** What must never reach a client: a stack frame, a path on this machine, a source line, Bun's error page. */
function leaks(body: string): string | null {
  const checks: [string, RegExp][] = [
    ["stack frame", /^\s*at\s|\bat \S+ \(|\.(?:ts|js|mjs|tsx):\d+/m],
    [
      "absolute path",
      new RegExp(
        `${REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}|(?:^|[\\s"'(=])/(?:work|home|root|usr|tmp|opt|var|srv|proc)/`,
        "m",
      ),
    ],
    ["source line", /^\s*\d+\s+\|/m],
    ["error page", /<!doctype html|<html/i],
  ];
  for (const [what, pattern] of checks) if (pattern.test(body)) return `${what}: ${JSON.stringify(body.slice(0, 300))}`;
  return null;
}

/** The verdict on one exchange: null when it kept the promise, else why not. */
export function judge(reply: RawReply, routed: ((reply: RawReply) => boolean) | null): string | null {
  if (reply.ended === "timeout") return "left open: neither answered nor closed";
  const leak = leaks(reply.raw);
  if (leak) return leak;
  const status = reply.statuses[0];
  if (status === undefined) return null; // closed unanswered: Bun's parser refused the bytes
  const ours = /\r\ncontent-type: application\/json/i.test(reply.raw.slice(0, reply.raw.indexOf("\r\n\r\n")));
  if (!ours) {
    // Bun's parser, before our code: a bare 400 (or 505 for a request line it reads as another HTTP version).
    if ((status === 400 || status === 505) && reply.body === "") return null;
  }
  if (status >= 500) return `status ${status}: ${JSON.stringify(reply.body.slice(0, 200))}`;
  if (status === 400)
    return productError(reply.body) ? null : `400 not in the error shape: ${JSON.stringify(reply.body.slice(0, 200))}`;
  if (routed && !routed(reply))
    return `routed to the wrong place: ${status} ${JSON.stringify(reply.body.slice(0, 200))}`;
  return null;
}
