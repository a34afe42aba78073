// `bun install --production --frozen-lockfile` (what the Dockerfile runs) in a copy of the
// repository's files: the install succeeds without the devDependencies, the postinstall skips the
// samples with one line saying how to build them, and both programs run from that install: a
// control plane and a runner answer /readyz. What needs the samples says how to build them. Needs
// the npm registry (or Bun's cache), as `bun install` does.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { CONTROL_BANNER } from "../helpers/control-process";
import { RUNNER_BANNER } from "../helpers/runner-process";
import { cleanEnv, REPO_ROOT, spawnServer, type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { guestFile } from "../fixtures/guests";

const copy = join(tempDir("production-install-"), "repo");
const started: ServerProcess[] = [];
afterAll(() => Promise.all(started.map((proc) => proc.kill())));

function run(argv: string[], cwd = copy) {
  const result = Bun.spawnSync(argv, { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  return { code: result.exitCode, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

/** The repository's files as a checkout has them (tracked, and new ones not ignored), without node_modules or build/. */
function copyRepository(): void {
  const listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO_ROOT);
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const path of listed.stdout.split("\0").filter(Boolean)) {
    if (!existsSync(join(REPO_ROOT, path))) continue; // deleted in the work tree
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    cpSync(join(REPO_ROOT, path), join(copy, path));
  }
}

let install: ReturnType<typeof run>;
beforeAll(() => {
  copyRepository();
  install = run(["bun", "install", "--production", "--frozen-lockfile"]);
}, 180_000);

test("the install succeeds without the devDependencies; the postinstall skips the samples in one line", () => {
  if (install.code !== 0) throw new Error(`bun install --production failed:\n${install.stdout}\n${install.stderr}`);
  const notes = `${install.stdout}\n${install.stderr}`
    .split("\n")
    .filter((line) => line.startsWith("functions/build.ts"));
  expect(notes).toEqual([
    expect.stringMatching(/^functions\/build\.ts: skipped the sample functions .*`bun run build:functions`$/),
  ]);
  expect(existsSync(join(copy, "build"))).toBe(false);
  expect(existsSync(join(copy, "node_modules", "assemblyscript"))).toBe(false);
  expect(existsSync(join(copy, "node_modules", "elysia"))).toBe(true);
});

test("building the samples by hand says what is missing and how to get it, exit 1", () => {
  const built = run(["bun", "run", "build:functions"]);
  expect(built.code).toBe(1);
  expect(built.stderr).toContain("the AssemblyScript compiler (assemblyscript, a devDependency) is not installed");
});

test("a sample asked for by its bare name says how to build the samples", () => {
  const refused = run(["bun", "runner/main.ts", "hello_world.wasm"]);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim().split("\n")).toEqual([expect.stringContaining("module not found: ")]);
  expect(refused.stderr).toContain("bun run build:functions");
});

test("the control plane and a runner start from the production install and are ready", async () => {
  const control = await spawnServer(
    [join(copy, "control", "main.ts"), "--port", "0", "--host", "127.0.0.1", "--data-dir", join(copy, "data")],
    CONTROL_BANNER,
  );
  started.push(control);
  const runner = await spawnServer(
    [join(copy, "runner", "main.ts"), guestFile("empty"), "--port", "0", "--host", "127.0.0.1"],
    RUNNER_BANNER,
  );
  started.push(runner);
  for (const server of [control, runner]) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${control.url}/swagger/json`)).status).toBe(200);
}, 60_000);
