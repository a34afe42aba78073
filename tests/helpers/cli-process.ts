// `bun cli/main.ts ...` (what `bun run edge` runs) as a real process, the way a user runs it:
// its exit code, stdout and stderr. The environment is the test's alone: no EDGE_* or EDGEBASE_*
// variable of the host, and a config dir of its own, so a developer's `edge login` is never read.
import { join } from "node:path";
import { REPO_ROOT } from "./server-process";
import { tempDir } from "./temp-dir";

export const CLI_MAIN = join(REPO_ROOT, "cli", "main.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Written to stdin, then closed; stdin is empty otherwise (never a terminal). */
  stdin?: string;
  timeoutMs?: number;
}

let configHome: string | undefined;

/**
 * The environment a CLI run gets: the host's PATH and HOME, a private XDG_CONFIG_HOME (shared by
 * the runs of a test process and left empty: a test that runs `edge login` passes its own), then `extra`.
 */
export function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  configHome ??= tempDir("edge-cli-config-");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith("EDGE_") && !key.startsWith("EDGEBASE_")) env[key] = value;
  return { ...env, XDG_CONFIG_HOME: configHome, ...extra };
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const child = Bun.spawn([process.execPath, CLI_MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: cliEnv(options.env),
    stdin: new TextEncoder().encode(options.stdin ?? ""),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  clearTimeout(timer);
  return { code: child.signalCode ? null : code, stdout, stderr };
}

/** The run's whole output, for messages and for checking what it must never show. */
export const shown = (run: CliRun) => `${run.stdout}\n${run.stderr}`;
