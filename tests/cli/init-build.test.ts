// `edge init` + `edge build` for every template, as real processes: the folder's sources are the
// repository's examples and SDK byte for byte, each builds with its toolchain and passes the
// pipeline, a module the control plane would refuse exits 1 with the pipeline's code, and a
// missing toolchain fails with that toolchain's own message.
import { beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TEMPLATE_NAMES, TEMPLATES } from "../../cli/init/templates";
import { runCli, type CliRun } from "../helpers/cli-process";
import { REPO_ROOT } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";

const root = tempDir("edge-cli-init-");
const dirOf = (template: string) => join(root, `fn-${template}`);
const builds = new Map<string, CliRun>();

/** What each template's module is, as `edge build --json` reports it. */
const EXPECTED: Record<string, { runtime: string; entrypoint: string; imports: string }> = {
  as: { runtime: "wasm", entrypoint: "handle", imports: "edge.response_write" },
  rust: { runtime: "wasm", entrypoint: "handle", imports: "edge.response_write" },
  c: { runtime: "wasm", entrypoint: "handle", imports: "edge.response_write" },
  "rust-wasi": { runtime: "wasi", entrypoint: "_start", imports: "wasi_snapshot_preview1.fd_write" },
  "c-wasi": { runtime: "wasi", entrypoint: "_start", imports: "wasi_snapshot_preview1.fd_write" },
};

beforeAll(async () => {
  for (const template of TEMPLATE_NAMES) {
    const init = await runCli(["init", "--template", template, dirOf(template)]);
    if (init.code !== 0) throw new Error(`init ${template}: ${init.stderr}`);
  }
  const runs = await Promise.all(TEMPLATE_NAMES.map((t) => runCli(["build", dirOf(t), "--json"])));
  runs.forEach((run, i) => builds.set(TEMPLATE_NAMES[i]!, run));
}, 120_000);

describe("edge init", () => {
  test("every template named in the brief exists", () => {
    expect(TEMPLATE_NAMES).toEqual(expect.arrayContaining(["as", "rust", "rust-wasi", "c-wasi"]));
  });

  for (const template of TEMPLATE_NAMES)
    test(`${template}: the sources are the repository's, the manifest names the folder, a README`, () => {
      const dir = dirOf(template);
      for (const [source, target] of TEMPLATES[template]!.copies) {
        if (target.endsWith("/") || !source.includes(".")) continue;
        const copied = readFileSync(join(dir, target), "utf8");
        const original = readFileSync(join(REPO_ROOT, source), "utf8");
        // The AssemblyScript function's import is one folder shorter; nothing else differs.
        expect(copied).toBe(original.replace('"../../sdk/assembly"', '"../sdk/assembly"'));
      }
      expect(readFileSync(join(dir, "edgebase.toml"), "utf8")).toContain(`name = "fn-${template}"`);
      expect(readFileSync(join(dir, "README.md"), "utf8")).toStartWith(`# fn-${template}`);
    });

  test("the AssemblyScript template carries the whole SDK and pins the repository's compiler", () => {
    const sdk = join(REPO_ROOT, "functions", "sdk", "assembly");
    for (const file of ["index.ts", "hooks.ts", "request.ts"])
      expect(readFileSync(join(dirOf("as"), "sdk", "assembly", file), "utf8")).toBe(
        readFileSync(join(sdk, file), "utf8"),
      );
    const pkg = JSON.parse(readFileSync(join(dirOf("as"), "package.json"), "utf8"));
    const ours = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    expect(pkg.devDependencies.assemblyscript).toBe(ours.devDependencies.assemblyscript);
  });

  test("a folder that is not empty is refused (exit 1), nothing overwritten", async () => {
    const run = await runCli(["init", dirOf("c")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("exists and is not an empty folder");
  });
});

describe("edge build", () => {
  for (const template of TEMPLATE_NAMES)
    test(`${template}: builds, passes the pipeline, reports runtime, entrypoint, memory and imports`, () => {
      const run = builds.get(template)!;
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ name: `fn-${template}`, runtime: EXPECTED[template]!.runtime });
      expect(report.entrypoint).toBe(EXPECTED[template]!.entrypoint);
      expect(report.imports).toContain(EXPECTED[template]!.imports);
      expect(report.memory.minPages).toBeGreaterThan(0);
      expect(report.memory.capPages).toBeGreaterThanOrEqual(report.memory.minPages);
      expect(report.sha256).toMatch(/^[0-9a-f]{64}$/);
    });

  test("text output names the pages, imports, entrypoint and runtime", async () => {
    const run = await runCli(["build", dirOf("c")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^runtime {5}wasm$/m);
    expect(run.stdout).toMatch(/^entrypoint {2}handle$/m);
    expect(run.stdout).toMatch(/^memory {6}2 page\(s\) at start .*, capped at 16 /m);
    expect(run.stdout).toMatch(/^imports {5}edge\.request_method, edge\.response_header, edge\.response_write$/m);
  });

  test("a module the control plane would refuse: exit 1 with the pipeline's code and reason", async () => {
    const dir = tempDir("edge-cli-tight-");
    expect((await runCli(["init", "--template", "rust-wasi", dir])).code).toBe(0);
    const manifest = join(dir, "edgebase.toml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("memory_pages = 128", "memory_pages = 16"));
    const run = await runCli(["build", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^edge build: module rejected: memory_too_large: .*17 pages.*16/m);
  });

  test("a build error: exit 1 with the compiler's last line", async () => {
    const dir = tempDir("edge-cli-broken-");
    expect((await runCli(["init", "--template", "c-wasi", dir])).code).toBe(0);
    appendFileSync(join(dir, "wagi.c"), "\nint broken = ;\n");
    const run = await runCli(["build", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("wagi.c:");
    expect(run.stderr).toMatch(/edge build: build failed: `sh build\.sh` exited with 1: .*error/);
  });
});

describe("a missing toolchain fails with its own message", () => {
  const build = (template: string, env: Record<string, string>) => runCli(["build", dirOf(template)], { env });

  test("rust, rust-wasi: a rustc without the wasm targets", async () => {
    // A rustc whose sysroot has no wasm32 standard library (what `rustup` gives before `target add`).
    const rustc = join(tempDir("edge-cli-rustc-"), "rustc");
    writeFileSync(rustc, "#!/bin/sh\necho /nonexistent-sysroot\n", { mode: 0o755 });
    const rust = await build("rust", { RUSTC: rustc });
    expect(rust.code).toBe(1);
    expect(rust.stderr).toContain(`${rustc} has no wasm32-unknown-unknown target: rustup target add`);
    const wasi = await build("rust-wasi", { RUSTC: rustc });
    expect(wasi.code).toBe(1);
    expect(wasi.stderr).toContain(
      "no rustc with a WASI target. On Debian: apt-get install rustc libstd-rust-dev-wasm32",
    );
  });

  test("c-wasi: names the missing Debian packages; c: the shell cannot find clang", async () => {
    const wasi = await build("c-wasi", { CC: "/nonexistent/clang" });
    expect(wasi.code).toBe(1);
    expect(wasi.stderr).toContain("cannot build for wasm32-wasi, missing: clang");
    const bin = tempDir("edge-cli-bin-");
    symlinkSync(Bun.which("sh")!, join(bin, "sh"));
    const c = await build("c", { PATH: bin });
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/clang: (command )?not found/);
  });

  test("as: without the compiler the CLI lends, build.ts says what to install", () => {
    const env = { ...process.env, EDGEBASE_ASC: "" };
    const run = Bun.spawnSync(["bun", "--no-install", "build.ts", "build/x.wasm"], { cwd: dirOf("as"), env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr.toString()).toContain("AssemblyScript is not installed here: run `bun install` in this folder");
  });
});
