// Starts `bun runner/main.ts` as a real process (127.0.0.1, port 0), reads the URL from its banner
// and collects its stdout lines, for tests of the CLI, the process lifecycle and the JSON logs.
import { join } from "node:path";
import type { Subprocess } from "bun";

const REPO_ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(REPO_ROOT, "runner", "main.ts");
const BANNER = /at (http:\/\/127\.0\.0\.1:\d+)\/$/;

export interface CliRunner {
  url: string;
  pid: number;
  banner: string;
  /** Every complete stdout line so far, the banner included. */
  lines(): string[];
  /** Waits until `done(lines)` holds, polling every 20 ms; throws with the lines seen after `timeoutMs`. */
  waitForLines(done: (lines: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  /** Sends `signal`, waits for exit (SIGKILL after `timeoutMs`); returns the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  stderr(): Promise<string>;
}

/** Environment without EDGE_RUNNER_* so the host's settings cannot leak into a test. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EDGE_RUNNER_")) env[k] = v;
  return env;
}

/** `env` adds variables, e.g. EDGE_RUNNER_TOKEN: a token never goes on the command line. */
export async function startCliRunner(args: string[], startTimeoutMs = 10_000, env: Record<string, string> = {}): Promise<CliRunner> {
  const proc = Bun.spawn(["bun", MAIN, ...args, "--port", "0", "--host", "127.0.0.1"], {
    cwd: REPO_ROOT, env: { ...cleanEnv(), ...env }, stdout: "pipe", stderr: "pipe",
  });
  const collected: string[] = [];
  let pending = "";
  const pump = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      collected.push(...parts);
    }
  })();
  const stderrText = new Response(proc.stderr).text();

  const waitForLines = async (done: (lines: string[]) => boolean, timeoutMs = 5_000) => {
    const until = Date.now() + timeoutMs;
    while (!done(collected)) {
      if (Date.now() > until) throw new Error(`timed out waiting for stdout lines; got:\n${collected.join("\n")}`);
      if (proc.exitCode !== null) throw new Error(`runner exited (${proc.exitCode}): ${await stderrText}`);
      await Bun.sleep(20);
    }
    return collected;
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM", timeoutMs = 8_000) => {
    if (proc.exitCode === null) proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    await pump;
    return code;
  };

  try {
    await waitForLines((lines) => lines.some((l) => BANNER.test(l)), startTimeoutMs);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  const banner = collected.find((l) => BANNER.test(l)) as string;
  return {
    url: (banner.match(BANNER) as RegExpMatchArray)[1],
    pid: proc.pid,
    banner,
    lines: () => collected,
    waitForLines,
    stop,
    stderr: () => stderrText,
  };
}

export interface CliExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI expecting it to exit by itself (a refused start); SIGKILLs it after `timeoutMs`. */
export async function runCliToExit(args: string[], timeoutMs = 10_000, env: Record<string, string> = {}): Promise<CliExit> {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(["bun", MAIN, ...args], {
    cwd: REPO_ROOT, env: { ...cleanEnv(), ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** utime + stime of a process in clock ticks, from /proc/<pid>/stat (Linux only). */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
