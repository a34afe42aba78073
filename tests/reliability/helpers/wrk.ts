// wrk (Debian package `wrk`; tests/reliability/run.ts installs it) as the load generator where the client must
// cost less CPU than the server it measures: C, one epoll thread, closed loop (each connection
// sends its next request the moment the last is answered, 503s included, as real clients
// retrying at once would). The summary comes out of wrk-summary.lua as one JSON line.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "wrk-summary.lua");

export interface WrkResult {
  connections: number;
  seconds: number;
  /** Answers of any status. */
  requests: number;
  /** Answers with a status outside 2xx/3xx. */
  non2xx: number;
  /** Socket errors: connect, read, write; and requests wrk saw unanswered past its timeout. */
  errors: { connect: number; read: number; write: number; timeout: number };
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers per second, and 2xx/3xx answers per second. */
  rate: number;
  goodput: number;
}

/** The process's limit on open files (soft, hard); Infinity for unlimited. */
export function openFileLimits(): { soft: number; hard: number } {
  const line =
    readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files")) ?? "";
  const [soft, hard] = line
    .replace("Max open files", "")
    .trim()
    .split(/\s+/)
    .map((v) => (v === "unlimited" ? Infinity : Number(v)));
  return { soft: soft!, hard: hard! };
}

/** `wrk -t1 -c<connections> -d<seconds>s --timeout <timeoutS>s` against `url`. */
export async function wrk(
  url: string,
  options: { connections: number; seconds: number; timeoutS?: number; headers?: Record<string, string> },
): Promise<WrkResult> {
  if (!Bun.which("wrk"))
    throw new Error(
      "wrk is not installed (as root: apt-get update && apt-get install -y wrk; bun run test:reliability does it)",
    );
  // One descriptor per connection, and a few of its own. Bun raised its soft limit to the hard
  // one at start and wrk inherits it; the shell below raises it to the hard one again in case it did not.
  const needed = options.connections + 64;
  const { hard } = openFileLimits();
  if (hard < needed)
    throw new Error(
      `wrk with ${options.connections} connections needs ${needed} open files; the hard limit (ulimit -Hn) is ${hard}`,
    );
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const args = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    `--timeout`,
    `${options.timeoutS ?? 10}s`,
    "-s",
    SCRIPT,
    ...headers,
    url,
  ];
  const proc = Bun.spawn(["sh", "-c", `ulimit -Sn "$(ulimit -Hn)" && exec wrk "$@"`, "wrk", ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const json = out.match(/^WRK_SUMMARY (.*)$/m)?.[1];
  if (code !== 0 || !json) throw new Error(`wrk ${args.join(" ")} failed (exit ${code}):\n${out}\n${err}`);
  const s = JSON.parse(json) as {
    requests: number;
    duration_us: number;
    non2xx: number;
    connect: number;
    read: number;
    write: number;
    timeout: number;
    p50_us: number;
    p99_us: number;
    max_us: number;
  };
  const seconds = s.duration_us / 1e6;
  return {
    connections: options.connections,
    seconds,
    requests: s.requests,
    non2xx: s.non2xx,
    errors: { connect: s.connect, read: s.read, write: s.write, timeout: s.timeout },
    // No answer at all: the latency of the requests in flight is at least the whole run.
    p50Ms: s.requests === 0 ? Infinity : s.p50_us / 1000,
    p99Ms: s.requests === 0 ? Infinity : s.p99_us / 1000,
    maxMs: s.requests === 0 ? Infinity : s.max_us / 1000,
    rate: s.requests / seconds,
    goodput: (s.requests - s.non2xx) / seconds,
  };
}
