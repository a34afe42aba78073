// The test commands check the Debian packages their tests need before running any: as root with
// apt-get they install the missing ones, otherwise they stop at once with the command to run.
import { expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import {
  CHROMIUM,
  CURL,
  SYSTEMD,
  WASI_TOOLCHAINS,
  WRK,
  installCommand,
  packagesFor,
  planInstall,
} from "./helpers/system-packages";
import { tempDir } from "./helpers/temp-dir";

const ROOT = join(import.meta.dir, "..");

test("the plan: nothing when all are there, install as root with apt-get, else stop with the command", () => {
  expect(planInstall([], { root: false, apt: true })).toEqual({ action: "none" });
  expect(planInstall([CHROMIUM, CURL], { root: true, apt: true })).toEqual({
    action: "install",
    command: "apt-get update && apt-get install -y chromium curl",
  });

  const stop = planInstall([CHROMIUM], { root: false, apt: true });
  expect(stop.action).toBe("stop");
  const message = stop.action === "stop" ? stop.message : "";
  expect(message).toContain("chromium (tests/control/swagger-browser.test.ts)");
  expect(message).toContain("Run as root");
  expect(message).toContain("\n  apt-get update && apt-get install -y chromium");

  const noApt = planInstall([WRK], { root: true, apt: false });
  expect(noApt.action).toBe("stop");
  expect(noApt.action === "stop" && noApt.message).toContain(
    "package manager (on Debian: apt-get update && apt-get install -y wrk)",
  );
  expect(installCommand(["wrk"])).toBe("apt-get update && apt-get install -y wrk");
});

test("only what the selected files need: the whole suite needs all, a filter only its files' packages", () => {
  const all = [CHROMIUM, CURL];
  const names = (args: string[]) => packagesFor(all, args, ROOT).map((pkg) => pkg.name);
  expect(names([])).toEqual(["chromium", "curl"]);
  expect(names(["--bail"])).toEqual(["chromium", "curl"]);
  expect(names(["-t", "swagger"])).toEqual(["chromium", "curl"]); // a test name filter still runs every file
  expect(names(["tests/runner"])).toEqual([]);
  expect(names(["swagger"])).toEqual(["chromium"]);
  expect(names(["./tests/control/"])).toEqual(["chromium", "curl"]);
  expect(names([join(ROOT, "tests/control/walkthrough.test.ts")])).toEqual(["curl"]);
});

test("the WASI toolchains: needed by the tests of the WAGI examples only", () => {
  const all = [CHROMIUM, CURL, ...WASI_TOOLCHAINS];
  const names = (args: string[]) => packagesFor(all, args, ROOT).map((pkg) => pkg.name);
  const toolchains = ["rustc", "libstd-rust-dev-wasm32", "clang", "lld", "wasi-libc", "libclang-rt-14-dev-wasm32"];
  expect(names(["tests/wasi"])).toEqual(toolchains);
  expect(names(["tests/wasi/examples-deployed.test.ts"])).toEqual(toolchains);
  expect(names(["tests/control"])).toEqual(["chromium", "curl"]);
  for (const pkg of [CHROMIUM, CURL, SYSTEMD, WRK, ...WASI_TOOLCHAINS])
    for (const file of pkg.neededBy) expect(`${pkg.name}: ${file} ${existsSync(join(ROOT, file))}`).toEndWith("true");
});

test("present() agrees with dpkg about each WASI toolchain package on this machine", () => {
  if (!Bun.which("dpkg-query")) return; // not Debian: nothing to compare with
  for (const pkg of WASI_TOOLCHAINS) {
    const query = Bun.spawnSync(["dpkg-query", "-W", "-f=${Status}", pkg.name], { stdout: "pipe", stderr: "pipe" });
    const installed = query.stdout.toString().endsWith(" installed");
    expect(`${pkg.name} present: ${pkg.present()}`).toBe(`${pkg.name} present: ${installed}`);
  }
});

const scratch = tempDir("edge-system-packages-");

test("bun run test, not root and a package missing: stops at once with the command, runs nothing", () => {
  // A PATH with bun and apt-get but no curl, which the walkthrough test needs.
  const bin = join(scratch, "bin");
  mkdirSync(bin);
  for (const tool of ["bun", "apt-get"]) symlinkSync(Bun.which(tool) ?? `/usr/bin/${tool}`, join(bin, tool));
  const home = join(scratch, "home");
  mkdirSync(home);
  chmodSync(scratch, 0o755);
  chmodSync(home, 0o777);
  const command = ["bun", join(ROOT, "tests/run.ts"), "tests/control/walkthrough.test.ts"];
  // As root, run it as nobody (it must not install anything here).
  const asUser =
    process.getuid?.() === 0
      ? [
          Bun.which("setpriv") ?? "/usr/bin/setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "--",
          join(bin, "bun"),
          ...command.slice(1),
        ]
      : command;
  const run = Bun.spawnSync(asUser, { cwd: ROOT, env: { PATH: bin, HOME: home }, stdout: "pipe", stderr: "pipe" });
  const out = run.stdout.toString();
  expect(run.exitCode).toBe(1);
  expect(out).toContain("curl (tests/control/walkthrough.test.ts)");
  expect(out).toContain("Run as root, then run the tests again:\n  apt-get update && apt-get install -y curl\n");
  expect(out.trimEnd().split("\n").at(-1)).toBe("0 passed, 1 failed");
  expect(`${out}${run.stderr.toString()}`).not.toContain("walkthrough works verbatim"); // no test ran
});
