// `bun run runner <module.wasm> [flags]`: serve one module over HTTP.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadRunnerConfig, USAGE, type RunnerConfig } from "./config";
import { createLogger } from "./observe/log";
import { startRunner } from "./start-runner";
import { prepareArtifact } from "./module/prepare-artifact";

const REPO_ROOT = resolve(dirname(import.meta.path), "..");

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

const loaded = loadRunnerConfig(Bun.argv.slice(2), process.env);
if (loaded.ok === "help") {
  console.log(USAGE);
  process.exit(0);
}
if (!loaded.ok) fail(`${loaded.message} (see --help)`);
const config: RunnerConfig = loaded.config;

const modulePath = resolveModulePath(config.module);
let bytes: Uint8Array;
try {
  bytes = new Uint8Array(readFileSync(modulePath));
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  fail(code === "ENOENT" ? `module not found: ${modulePath}` : `cannot read ${modulePath}: ${(error as Error).message}`);
}

const prepared = prepareArtifact(bytes, { memoryPages: config.memoryPages, entrypoint: config.entrypoint }, config.sha256);
if (!prepared.ok) fail(`${basename(modulePath)} rejected (${prepared.code}): ${prepared.message}`);

const logger = createLogger(config.logLevel);
const runner = startRunner(config, prepared.artifact, logger);
const { artifact } = prepared;
console.log(
  `EdgeBase runner: serving ${config.name} from ${modulePath} (${artifact.size} bytes, sha256 ${artifact.sha256}) at http://${config.host}:${runner.port}/`,
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "shutting down", { signal });
    await runner.stop();
    process.exit(0);
  });
}
