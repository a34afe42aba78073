// What main.ts runs once the configuration is loaded and the engine options are in place:
// single-module mode (one module over HTTP) or an edge node.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { EdgeConfig, RunnerConfig } from "./config";
import { scheduleHttpThread } from "./lifecycle/http-thread";
import { stopOnSignals } from "../core/lifecycle/stop-on-signals";
import { bufferedStdout, createLogger } from "../core/observe/log";
import { startRunner } from "./start-runner";
import { compileArtifact } from "../core/module/compile-module";
import { moduleSettings } from "./module-settings";

const REPO_ROOT = resolve(dirname(import.meta.path), "..");
const SAMPLES_HINT = "the samples are built by `bun install` with its devDependencies, or `bun run build:functions`";

/** Said once at start, for the operator: on stderr, so that stdout holds nothing but JSON log lines. */
function banner(text: string): void {
  process.stderr.write(`${text}\n`);
}

function fail(message: string): never {
  process.stderr.write(`runner: ${message}\n`);
  process.exit(1);
}

/** A bare file name that doesn't exist here resolves to the samples built by `bun install`. */
function resolveModulePath(path: string): string {
  if (existsSync(path) || path.includes("/")) return resolve(path);
  const built = join(REPO_ROOT, "build", basename(path));
  return existsSync(built) ? built : resolve(path);
}

export async function serveModule(loaded: RunnerConfig): Promise<void> {
  const modulePath = resolveModulePath(loaded.module);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(modulePath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A bare name may have meant a sample that was never built (`bun install --production` skips them).
    const samples = loaded.module.includes("/") ? "" : `, nor in ${join(REPO_ROOT, "build")} (${SAMPLES_HINT})`;
    fail(
      code === "ENOENT"
        ? `module not found: ${modulePath}${samples}`
        : `cannot read ${modulePath}: ${(error as Error).message}`,
    );
  }

  const settled = moduleSettings(loaded, bytes);
  if (!settled.ok) fail(`${basename(modulePath)} rejected (${settled.code}): ${settled.message}`);
  const config = settled.config;
  const prepared = await compileArtifact(
    bytes,
    { memoryPages: config.memoryPages, entrypoint: config.entrypoint, runtime: config.runtime },
    config.sha256,
  );
  if (!prepared.ok) fail(`${basename(modulePath)} rejected (${prepared.code}): ${prepared.message}`);

  const logger = createLogger(config.logLevel, {}, bufferedStdout());
  let runner: ReturnType<typeof startRunner>;
  try {
    runner = startRunner(config, prepared.artifact, logger);
  } catch (error) {
    fail(`cannot start: ${(error as Error).message}`);
  }
  scheduleHttpThread(config.httpSliceUs, logger);
  const { artifact } = prepared;
  banner(
    `EdgeBase runner: serving ${config.name} (${config.runtime === "wasi" ? "WASI command, run as CGI" : "edge ABI"}) from ${modulePath} (${artifact.size} bytes, sha256 ${artifact.sha256}) at http://${config.host}:${runner.port}/`,
  );
  stopOnSignals(logger, () => runner.stop());
}

export async function serveEdge(config: EdgeConfig): Promise<void> {
  // Loaded here: a single-module start need not load the edge node's code (and prom-client with it).
  const { startEdge } = await import("./edge/start-edge");
  const logger = createLogger(config.logLevel, { node_id: config.nodeId }, bufferedStdout());
  const edge = await startEdge(config, logger).catch((error: Error) =>
    fail(`cannot start the edge node: ${error.message}`),
  );
  scheduleHttpThread(config.httpSliceUs, logger);
  const { revision, functions } = edge.node.status();
  const from = edge.restored ? "restored from disk" : "from the control plane";
  banner(
    `EdgeBase runner: edge node ${config.nodeId} following ${config.controlPlanes.join(",")} (revision ${revision} ${from}, ${functions} functions; cache ${edge.cacheDir}) at http://${config.host}:${edge.port}/`,
  );
  stopOnSignals(logger, () => edge.stop());
}
