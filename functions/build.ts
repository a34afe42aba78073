// Builds every AssemblyScript function (functions/<fn>/assembly/index.ts) into
// build/<fn with - as _>.wasm, then checks the result against edge v1 so that a stray
// import (Date.now, WASI, a hand-written @external) fails here rather than at deploy time.
// Runs on every `bun install` (postinstall), so it compiles in-process: one load of the
// compiler for all functions instead of one `asc` process each.
//
// Options: functions/<fn>/asconfig.json if present (it may "extends": "../sdk/asconfig.json"),
// else functions/sdk/asconfig.json. Command-line options below take precedence over both.
//
// The compiler is a devDependency: after `bun install --production` (a server, a container
// image) it is absent, and the postinstall skips the samples with a one-line note instead of
// failing the install; run directly (`bun run build:functions`) it says how to get it, exit 1.

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_ENTRYPOINT, EDGE_MODULE, EDGE_V1, MEMORY_IMPORT } from "../core/abi/edge-v1.ts";

const ROOT = join(import.meta.dir, "..");

/** The AssemblyScript compiler, or null when the devDependencies are not installed. */
async function loadCompiler(): Promise<typeof import("assemblyscript/asc").default | null> {
  try {
    Bun.resolveSync("assemblyscript/asc", ROOT);
  } catch {
    return null;
  }
  return (await import("assemblyscript/asc")).default;
}

const compiler = await loadCompiler();
if (!compiler) {
  const how = "`bun install` (with the devDependencies), then `bun run build:functions`";
  if (process.env.npm_lifecycle_event === "postinstall") {
    process.stderr.write(
      `functions/build.ts: skipped the sample functions (build/*.wasm): the AssemblyScript compiler, a devDependency, is not installed; to build them: ${how}\n`,
    );
    process.exit(0);
  }
  process.stderr.write(
    `functions/build.ts: the AssemblyScript compiler (assemblyscript, a devDependency) is not installed; run ${how}\n`,
  );
  process.exit(1);
}
const asc = compiler;
const SKIP = new Set(["sdk", "examples"]);
const SDK_CONFIG = "functions/sdk/asconfig.json";

// The SDK's replacements for the std globals that would import env.abort, env.seed,
// env.trace and env.console.*.
// Compiled into every function, even one that does not import the SDK, because the
// aliases need the file in the program; internal names are paths from ROOT.
const HOOKS_FILE = "functions/sdk/assembly/hooks.ts";
const HOOKS = "functions/sdk/assembly/hooks";
const HOOK_ALIASES = [
  `abort=${HOOKS}/edgeAbort`,
  `seed=${HOOKS}/edgeSeed`,
  `trace=${HOOKS}/edgeTrace`,
  `console=${HOOKS}/edgeConsole`,
];

interface Built {
  name: string;
  outFile: string;
  size: number;
}

function findFunctions(): string[] {
  return readdirSync(join(ROOT, "functions"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !SKIP.has(d.name))
    .map((d) => d.name)
    .filter((name) => existsSync(join(ROOT, "functions", name, "assembly", "index.ts")))
    .sort();
}

function outFileFor(name: string): string {
  return `build/${name.replaceAll("-", "_")}.wasm`;
}

/** Problems that would make the runner reject the module; empty when it conforms. */
function checkAbi(bytes: Uint8Array): string[] {
  const module = new WebAssembly.Module(bytes);
  const problems: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const isEdgeCall = imp.module === EDGE_MODULE && imp.kind === "function" && Object.hasOwn(EDGE_V1, imp.name);
    const isMemory = imp.module === MEMORY_IMPORT.module && imp.name === MEMORY_IMPORT.name && imp.kind === "memory";
    if (!isEdgeCall && !isMemory)
      problems.push(`imports ${imp.kind} ${imp.module}.${imp.name}, which edge v1 does not provide`);
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((e) => e.name === DEFAULT_ENTRYPOINT && e.kind === "function")) {
    problems.push(`does not export a function "${DEFAULT_ENTRYPOINT}"`);
  }
  return problems;
}

async function build(name: string): Promise<Built> {
  const ownConfig = `functions/${name}/asconfig.json`;
  const outFile = outFileFor(name);
  const argv = [
    `functions/${name}/assembly/index.ts`,
    HOOKS_FILE,
    "--baseDir",
    ROOT,
    "--config",
    existsSync(join(ROOT, ownConfig)) ? ownConfig : SDK_CONFIG,
    "--outFile",
    outFile,
    ...HOOK_ALIASES.flatMap((alias) => ["--use", alias]),
  ];
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const result = await asc.main(argv, { stdout, stderr });
  if (result.error) {
    throw new Error(`${name}: ${result.error.message}\n${stderr.toString().trimEnd()}`);
  }
  const bytes = await Bun.file(join(ROOT, outFile)).bytes();
  const problems = checkAbi(bytes);
  if (problems.length > 0) {
    throw new Error(`${name}: ${outFile} breaks edge v1:\n  ${problems.join("\n  ")}`);
  }
  return { name, outFile, size: bytes.byteLength };
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
}

// One at a time: the compiler keeps global state between the awaits of a compilation.
let failed = 0;
for (const name of findFunctions()) {
  try {
    const built = await build(name);
    console.log(`built ${built.name.padEnd(16)} ${String(built.size).padStart(7)} B  ${built.outFile}`);
  } catch (err) {
    failed++;
    fail(`error: could not build function ${err instanceof Error ? err.message : String(err)}`);
  }
}
if (failed > 0) {
  fail(`functions/build.ts: ${failed} function(s) failed to build`);
  process.exit(1);
}
