// Starting a server process for a benchmark, and what wrk says about it.
import { readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { loadRunnerConfig, type RunnerConfig } from "../runner/config";
import { missingEngineOptions } from "../runner/lifecycle/engine-options";

export interface Subject {
  name: string;
  /** A function when each start needs fresh arguments (an edge node's empty cache directory). */
  cmd: string[] | (() => string[]);
  /** A line of the subject's stdout or stderr that holds its URL (group 1 if it has one, else the match). */
  urlPattern: RegExp;
  /** The path that answers 200 once the subject serves, and that wrk loads (default `/`). */
  path?: string;
  /** Added to the environment (tokens go here, never in `cmd`). */
  env?: Record<string, string>;
  /** A wrk Lua script (`wrk -s`) for load other than GET, e.g. a POST with a body. */
  wrkScript?: string;
}

export interface Running {
  /** Base URL, no trailing slash. */
  base: string;
  /** `base` + the subject's path: what wrk loads. */
  url: string;
  pid: number;
  /** Spawn to the first 200 on `url`. */
  startMs: number;
  /** Spawn to the URL line (the process listens). */
  listenMs: number;
  stop(): Promise<void>;
}

export async function startSubject(subject: Subject, timeoutMs = 30_000): Promise<Running> {
  const t0 = performance.now();
  const cmd = typeof subject.cmd === "function" ? subject.cmd() : subject.cmd;
  const proc = Bun.spawn(cmd, { env: { ...process.env, ...subject.env }, stdout: "pipe", stderr: "pipe" });
  const stop = async () => {
    if (proc.exitCode === null) proc.kill("SIGTERM");
    await proc.exited;
  };
  // Our programs print their URL on stderr (stdout is JSON logs), a baseline on stdout: both are
  // read to the end, so a chatty subject never blocks on a full pipe. stderr is passed on, but
  // for the URL line (a banner per start would crowd out the results).
  let base = "";
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>, echo: boolean) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const part = decoder.decode(chunk, { stream: true });
      if (!base) text += part;
      if (echo) {
        const shown = part.split(/(?<=\n)/).filter((line) => !subject.urlPattern.test(line));
        if (shown.length > 0) process.stderr.write(shown.join(""));
      }
    }
  };
  const ended = Promise.all([drain(proc.stdout, false), drain(proc.stderr, true)]).then(() => true);
  while (!base) {
    const m = text.match(subject.urlPattern);
    base = (m?.[1] ?? m?.[0] ?? "").replace(/\/$/, "");
    if (base) break;
    if (await Promise.race([ended, Bun.sleep(2).then(() => false)]))
      throw new Error(`${subject.name} exited before printing its URL:\n${text}`);
  }
  const listenMs = performance.now() - t0;
  const url = base + (subject.path ?? "/");
  let first = 0;
  while (!first) {
    const ok = await fetch(url).then(
      (r) => r.arrayBuffer().then(() => r.ok),
      () => false,
    );
    if (ok) first = performance.now() - t0;
    else if (performance.now() - t0 > timeoutMs) {
      await stop();
      throw new Error(`${subject.name}: ${url} did not answer 200 within ${timeoutMs} ms`);
    } else await Bun.sleep(2);
  }
  return { base, url, pid: proc.pid, startMs: first, listenMs, stop };
}

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/**
 * `niceness` (when given) runs wrk under `nice -n`: below 0 needs root (see clientPriorityAllowed).
 * `script`: a wrk Lua script that shapes the requests (method, body).
 */
export async function wrk(
  url: string,
  seconds: number,
  connections: number,
  niceness?: number,
  script?: string,
): Promise<WrkResult> {
  const command = [
    "wrk",
    "-t2",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    ...(script ? ["-s", script] : []),
    url,
  ];
  const proc = Bun.spawn(niceness === undefined ? command : ["nice", "-n", String(niceness), ...command], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? NaN);
  const pct = (p: string) => toMs(out.match(new RegExp(`\\s${p}%\\s+([\\d.]+\\w+)`))?.[1] ?? "NaN");
  const socketErrors = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors =
    Number(out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0) +
    (socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0);
  return { rps, p50Ms: pct("50"), p99Ms: pct("99"), errors };
}

/** Whether this process may run the load generator at `niceness` (below 0 takes CAP_SYS_NICE). */
export function clientPriorityAllowed(niceness: number): boolean {
  const r = Bun.spawnSync(["nice", "-n", String(niceness), "nice"], { stdout: "pipe", stderr: "pipe" });
  return r.exitCode === 0 && Number(r.stdout.toString()) === getPriority() + niceness;
}

/**
 * `env` and the engine options the runner sets for itself with its defaults
 * (runner/lifecycle/engine-options.ts): what an in-process baseline is started with, so that
 * the comparison is like for like.
 */
export const SAME_ENGINE = [
  "env",
  ...Object.entries(missingEngineOptions(runnerDefaults(), {}) ?? {}).map(([key, value]) => `${key}=${value}`),
];

function runnerDefaults(): RunnerConfig {
  const loaded = loadRunnerConfig(["module.wasm"], {});
  if (loaded.ok !== true) throw new Error("the runner's defaults did not load");
  return loaded.config;
}

function toMs(text: string): number {
  const m = text.match(/^([\d.]+)(us|ms|s)$/);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? NaN) / 1024;
}

/** CPU time (user + system, all threads) the process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
