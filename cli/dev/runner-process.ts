// One generation of `edge dev`: the real runner (`bun runner/main.ts`, single-file mode) serving
// a snapshot of the module under the manifest's limits, on a port of its own. Its log lines are
// passed through; it is ready when it prints its banner.
import { join } from "node:path";
import type { Manifest } from "../../core/contract/manifest";
import type { ModuleReport } from "../build/check-module";
import { REPO_ROOT } from "../init/templates";

const RUNNER_MAIN = join(REPO_ROOT, "runner", "main.ts");
const BANNER = / at (http:\/\/[^ ]+:(\d+))\/$/;

export interface RunnerProcess {
  port: number;
  pid: number;
  exited: Promise<number>;
  /** SIGTERM: the runner stops accepting and finishes what it runs (its own drain), then exits. */
  stop(): Promise<void>;
}

/** The runner flags that carry the manifest's per-function settings. */
export function runnerArgs(manifest: Manifest, report: ModuleReport): string[] {
  const args = [
    "--name",
    manifest.name,
    "--runtime",
    report.runtime,
    "--entrypoint",
    report.entrypoint,
    "--memory-pages",
    String(report.memory.capPages),
  ];
  if (manifest.max_execution_ms !== undefined) args.push("--max-execution-ms", String(manifest.max_execution_ms));
  if (manifest.max_concurrency !== undefined) args.push("--max-concurrency", String(manifest.max_concurrency));
  if (manifest.max_body_bytes !== undefined) args.push("--max-body-bytes", String(manifest.max_body_bytes));
  for (const [key, value] of Object.entries(manifest.env ?? {})) args.push("--env", `${key}=${value}`);
  return args;
}

export async function startRunner(
  modulePath: string,
  args: string[],
  log: (line: string) => void,
  env: Record<string, string | undefined>,
): Promise<RunnerProcess> {
  const child = Bun.spawn(
    [process.execPath, RUNNER_MAIN, modulePath, ...args, "--port", "0", "--host", "127.0.0.1", "--workers", "2"],
    { cwd: REPO_ROOT, env: withoutRunnerSettings(env), stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let seen = "";
  const ready = new Promise<number>((resolve, reject) => {
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      let pending = "";
      for await (const chunk of stream) {
        pending += decoder.decode(chunk, { stream: true });
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          const banner = line.match(BANNER);
          if (banner) resolve(Number(banner[2]));
          else if (seen.length < 4096) seen += `${line}\n`;
          log(line);
        }
      }
      if (pending) log(pending);
    };
    void pump(child.stdout);
    void pump(child.stderr);
    void child.exited.then((code) =>
      reject(new Error(`the runner exited (${code}) before serving:\n${seen.trimEnd()}`)),
    );
  });
  const port = await ready;
  return {
    port,
    pid: child.pid,
    exited: child.exited,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await child.exited;
      clearTimeout(timer);
    },
  };
}

/** The user's EDGE_RUNNER_* settings would change the served limits: dev serves the manifest's. */
function withoutRunnerSettings(env: Record<string, string | undefined>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && !key.startsWith("EDGE_RUNNER_")) clean[key] = value;
  return clean;
}
