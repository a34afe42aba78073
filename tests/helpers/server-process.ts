// A server started as a real process (`bun control/main.ts` or `bun runner/main.ts` on
// 127.0.0.1): its URL read from its banner (on stderr), every stdout and stderr line kept (to look for
// tokens or log lines), its RSS read from /proc, and stopped or killed -9 on demand.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..");

const live = new Set<ServerProcess>();

/**
 * SIGKILLs every server started here that is still running and waits for it: a failed test must
 * not leave servers behind. tests/helpers/preload.ts calls it after the run, before the temp dirs
 * go (a server still writing into one would race its removal); a script's exit does it too.
 */
export async function killServers(): Promise<void> {
  await Promise.all([...live].map((proc) => proc.kill()));
}
process.prependListener("exit", () => {
  for (const proc of live) if (proc.alive()) process.kill(proc.pid, "SIGKILL");
});

export interface ServerProcess {
  pid: number;
  url: string;
  port: number;
  /** The line the URL was read from. */
  banner: string;
  /** Every complete stdout and stderr line so far, in the order they came. */
  lines(): string[];
  /** Every complete stdout line so far: the JSON log lines (the banner is on stderr). */
  stdout(): string[];
  /** Waits until `done(lines())` holds; throws with the lines seen after `timeoutMs` or if the process exits. */
  waitForLines(done: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  alive(): boolean;
  /** Resident set size in MiB (the whole process: main thread and every worker). */
  rssMb(): number;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`); returns the exit code or signal. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** SIGKILL: no goodbye to anyone, like a crash. */
  kill(): Promise<void>;
  exited: Promise<number>;
}

/** The environment without the product's EDGE_* variables, so the host's settings cannot leak in. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EDGE_")) env[k] = v;
  return { ...env, ...extra };
}

/** Starts `bun ...argv` in the repository and waits for a line matching `banner` (group 1: the URL). */
export async function spawnServer(
  argv: string[],
  banner: RegExp,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = Bun.spawn(["bun", ...argv], {
    cwd: REPO_ROOT,
    env: cleanEnv(options.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const all: string[] = [];
  const out: string[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>, also?: string[]) => {
    const decoder = new TextDecoder();
    let pending = "";
    const take = (lines: string[]) => {
      all.push(...lines);
      also?.push(...lines);
    };
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      take(parts);
    }
    if (pending) take([pending]);
  };
  const pumps = Promise.all([pump(child.stdout, out), pump(child.stderr)]);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const waitForLines = async (done: (lines: string[]) => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done(all)) {
      if (!alive() || Date.now() > deadline) {
        throw new Error(
          `${alive() ? "timed out waiting for lines" : `exited (${child.exitCode ?? child.signalCode})`}: ${argv.join(" ")}\n${all.join("\n")}`,
        );
      }
      await Bun.sleep(10);
    }
    return all;
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 8_000) => {
    if (alive()) child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await child.exited;
    clearTimeout(timer);
    await pumps;
    live.delete(proc);
    return child.exitCode ?? (child.signalCode as unknown as number);
  };
  let line: string | undefined;
  try {
    await waitForLines(
      (lines) => (line = lines.find((l) => banner.test(l))) !== undefined,
      options.timeoutMs ?? 15_000,
    );
  } catch (error) {
    child.kill("SIGKILL");
    await pumps;
    throw new Error(`did not start: ${(error as Error).message}`);
  }
  const url = (line as string).match(banner)?.[1] as string;
  const proc: ServerProcess = {
    pid: child.pid,
    url,
    port: Number(new URL(url).port),
    banner: line as string,
    lines: () => all,
    stdout: () => out,
    waitForLines,
    alive,
    rssMb: () => rssMb(child.pid),
    stop,
    kill: async () => void (await stop("SIGKILL")),
    exited: child.exited,
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

export interface ProcessExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bun ...argv` expecting it to exit by itself (a refused start); SIGKILLs it after `timeoutMs` (code null). */
export async function runToExit(
  argv: string[],
  env: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<ProcessExit> {
  const child = Bun.spawn(["bun", ...argv], {
    cwd: REPO_ROOT,
    env: cleanEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  return { code: child.signalCode ? null : code, stdout, stderr };
}
