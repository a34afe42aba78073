// Builds this function: assembly/index.ts with the SDK in sdk/ into the .wasm named by the
// first argument (default build/function.wasm), with the SDK's compiler options
// (sdk/asconfig.json) and its replacements for the std globals that would import anything but
// edge v1 (abort, seed, trace and console become edge calls: sdk/assembly/hooks.ts).
//
// The compiler: this folder's node_modules (after `bun install`), else the one `edge build`
// lends through EDGEBASE_ASC (its own checkout's pinned assemblyscript).
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const HOOKS = "sdk/assembly/hooks";
const out = process.argv[2] ?? "build/function.wasm";

async function compiler() {
  if (existsSync(join(import.meta.dir, "node_modules", "assemblyscript")))
    return (await import("assemblyscript/asc")).default;
  if (process.env.EDGEBASE_ASC) return (await import(process.env.EDGEBASE_ASC)).default;
  process.stderr.write(
    "AssemblyScript is not installed here: run `bun install` in this folder (package.json pins its version), " +
      "or build with `edge build`, which lends the compiler of the EdgeBase checkout it runs from.\n",
  );
  process.exit(1);
}

const asc = await compiler();
mkdirSync(join(import.meta.dir, dirname(out)), { recursive: true });
const stderr = asc.createMemoryStream();
const result = await asc.main(
  [
    "assembly/index.ts",
    `${HOOKS}.ts`,
    "--baseDir",
    import.meta.dir,
    "--config",
    "sdk/asconfig.json",
    "--outFile",
    out,
    ...["abort=edgeAbort", "seed=edgeSeed", "trace=edgeTrace", "console=edgeConsole"].flatMap((alias) => {
      const [name, hook] = alias.split("=");
      return ["--use", `${name}=${HOOKS}/${hook}`];
    }),
  ],
  { stdout: asc.createMemoryStream(), stderr },
);
if (result.error) {
  process.stderr.write(`${stderr.toString().trimEnd()}\n${result.error.message}\n`);
  process.exit(1);
}
console.log(`built ${out}`);
