// Real processes for the reliability suite: the control plane and runners started as
// `bun control/main.ts` / `bun runner/main.ts` on 127.0.0.1, with every stdout and stderr line
// kept (to look for tokens in logs), their RSS read from /proc, and kill -9 on demand.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { READ_TOKEN, TOKEN, controlApi, type ControlApi } from "../../edge/helpers";

export { READ_TOKEN, TOKEN };

export const REPO_ROOT = join(import.meta.dir, "..", "..", "..");

const dirs: string[] = [];
const live = new Set<Proc>();
process.on("exit", () => {
  // A failed test must not leave servers behind: they were all started here, by pid.
  for (const proc of live) if (proc.alive()) process.kill(proc.pid, "SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export interface Proc {
  pid: number;
  url: string;
  port: number;
  /** Every complete stdout and stderr line so far. */
  lines(): string[];
  alive(): boolean;
  /** Resident set size in MiB (the whole process: main thread and every worker). */
  rssMb(): number;
  /** Sends `signal` and waits for the exit (SIGKILL after 8 s); returns the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number>;
}

/** Environment without the product's variables, so the host's settings cannot leak in. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EDGE_")) env[k] = v;
  return { ...env, ...extra };
}

export async function spawnServer(argv: string[], banner: RegExp, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Proc> {
  const child = Bun.spawn(["bun", ...argv], { cwd: REPO_ROOT, env: cleanEnv(options.env ?? {}), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const collected: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      collected.push(...parts);
    }
    if (pending) collected.push(pending);
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const until = Date.now() + (options.timeoutMs ?? 15_000);
  let url: string | undefined;
  while (!url) {
    url = collected.map((line) => line.match(banner)?.[1]).find((u) => u !== undefined);
    if (url) break;
    if (child.exitCode !== null || Date.now() > until) {
      child.kill("SIGKILL");
      await pumps;
      throw new Error(`${argv.join(" ")} did not start (exit ${child.exitCode}):\n${collected.join("\n")}`);
    }
    await Bun.sleep(10);
  }
  const proc: Proc = {
    pid: child.pid,
    url,
    port: Number(new URL(url).port),
    lines: () => collected,
    alive: () => child.exitCode === null && child.signalCode === null,
    rssMb: () => rssMb(child.pid),
    exited: child.exited,
    async stop(signal = "SIGTERM") {
      if (proc.alive()) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 8_000);
      await child.exited;
      clearTimeout(timer);
      await pumps;
      live.delete(proc);
      return child.exitCode ?? child.signalCode as unknown as number;
    },
  };
  live.add(proc);
  return proc;
}

export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(status.match(/VmRSS:\s+(\d+) kB/)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export interface ControlProc extends Proc, ControlApi {
  dataDir: string;
}

/** `bun control/main.ts` on `dataDir`; `port` 0 picks one, a known port restarts on it. */
export async function startControl(dataDir: string, options: { port?: number; extra?: string[]; env?: Record<string, string>; logLevel?: string } = {}): Promise<ControlProc> {
  const proc = await spawnServer(
    [join(REPO_ROOT, "control", "main.ts"), "--port", String(options.port ?? 0), "--host", "127.0.0.1", "--data-dir", dataDir,
      "--log-level", options.logLevel ?? "warn", ...(options.extra ?? [])],
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    // Tokens in the environment, never on the command line (ps shows argv to every user).
    { env: { EDGE_CONTROL_TOKEN: TOKEN, EDGE_CONTROL_READ_TOKEN: READ_TOKEN, ...options.env } },
  );
  return Object.assign(proc, controlApi(proc.url), { dataDir });
}

/** `bun runner/main.ts` with `args` (a module path, or --control-plane ...) on 127.0.0.1. */
export function startRunner(args: string[], options: { port?: number; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Proc> {
  return spawnServer([join(REPO_ROOT, "runner", "main.ts"), ...args, "--port", String(options.port ?? 0), "--host", "127.0.0.1"], /at (http:\/\/127\.0\.0\.1:\d+)\/$/, options);
}

/** An edge node following `controlUrl` with the read-only token. */
export function startEdge(controlUrl: string, cacheDir: string, nodeId: string, extra: string[] = [], options: { port?: number; env?: Record<string, string> } = {}): Promise<Proc> {
  return startRunner(["--control-plane", controlUrl, "--cache-dir", cacheDir, "--node-id", nodeId, "--log-level", "warn", ...extra], { ...options, env: { EDGE_RUNNER_TOKEN: READ_TOKEN, ...options.env }, timeoutMs: 20_000 });
}

/** Polls until `check` holds; throws with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve().then(check).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await Bun.sleep(10);
  }
}

/** The status and body of one request; a network error reads as status 0. */
export async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    return { status: 0, text: String(error) };
  }
}
