// `bun runner/main.ts` as a real process on 127.0.0.1: a single-module runner, or (with
// --control-plane) an edge node, for tests of the CLI, the process lifecycle and the JSON logs.
import { join } from "node:path";
import { REPO_ROOT, runToExit, spawnServer, type ProcessExit, type ServerProcess } from "./server-process";

export const RUNNER_MAIN = join(REPO_ROOT, "runner", "main.ts");
export const RUNNER_BANNER = /at (http:\/\/127\.0\.0\.1:\d+)\/$/;

/** `args`: a module path and flags, or --control-plane ...; `env` e.g. EDGE_RUNNER_TOKEN (never on the command line). */
export function startRunnerProcess(
  args: string[],
  options: { port?: number; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  return spawnServer(
    [RUNNER_MAIN, ...args, "--port", String(options.port ?? 0), "--host", "127.0.0.1"],
    RUNNER_BANNER,
    options,
  );
}

/** Runs the runner expecting it to exit by itself (a refused start). */
export function runRunnerToExit(args: string[], env: Record<string, string> = {}): Promise<ProcessExit> {
  return runToExit([RUNNER_MAIN, ...args], env);
}

/** utime + stime of a process in clock ticks, from /proc/<pid>/stat (Linux only). */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}
