// The WAGI examples (functions/examples/rust-wagi, c-wagi) built by their own build.sh, as a user
// would, into a temp dir: once per test run (or benchmark) each, then the same .wasm is reused.
// A missing toolchain fails with the build script's message, which names the Debian packages
// (`bun run test` installs them as root: helpers/system-packages.ts, WASI_TOOLCHAINS).
import { join } from "node:path";
import { REPO_ROOT } from "./server-process";
import { tempDir } from "./temp-dir";

export const WAGI_EXAMPLES = ["rust-wagi", "c-wagi"] as const;
export type WagiExample = (typeof WAGI_EXAMPLES)[number];

let dir: string | undefined;
const built = new Map<WagiExample, string>();

/** The path of `example` built, named `<example with _>.wasm` (so the runner's default name is the example's). */
export function wagiExample(example: WagiExample): string {
  const cached = built.get(example);
  if (cached) return cached;
  dir ??= tempDir("edge-wagi-examples-");
  const out = join(dir, `${example.replaceAll("-", "_")}.wasm`);
  const script = join(REPO_ROOT, "functions", "examples", example, "build.sh");
  const run = Bun.spawnSync(["sh", script, out], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0)
    throw new Error(`${script} failed (exit ${run.exitCode}):\n${run.stderr.toString()}${run.stdout.toString()}`);
  built.set(example, out);
  return out;
}
