// What the suites need from the system beyond Bun and npm: a few Debian packages. The test
// commands (tests/run.ts, tests/reliability/run.ts) check them before running anything. As root
// with apt-get they install what is missing; otherwise they stop at once with the command to run,
// so a missing package never shows up as a failed test half-way through the suite.
import { existsSync, readdirSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";

export interface SystemPackage {
  /** The Debian package. */
  name: string;
  /** Whether it is there, checked the way the tests that use it look for it. */
  present(): boolean;
  /** The test files that need it, relative to the repository root. */
  neededBy: readonly string[];
}

/** tests/control/swagger-browser.test.ts launches /usr/bin/chromium. */
export const CHROMIUM: SystemPackage = {
  name: "chromium",
  present: () => existsSync("/usr/bin/chromium"),
  neededBy: ["tests/control/swagger-browser.test.ts"],
};
/** The curl walkthrough (docs/control-plane.md), which the test runs verbatim, calls curl. */
export const CURL: SystemPackage = {
  name: "curl",
  present: () => Bun.which("curl") !== null,
  neededBy: ["tests/control/walkthrough.test.ts"],
};
/** systemd-analyze verifies the unit files of docs/deploy.md. */
export const SYSTEMD: SystemPackage = {
  name: "systemd",
  present: () => Bun.which("systemd-analyze") !== null,
  neededBy: ["tests/ops/systemd-units.test.ts"],
};
/** The load generator of the saturation scenario (tests/reliability/helpers/wrk.ts). */
export const WRK: SystemPackage = {
  name: "wrk",
  present: () => Bun.which("wrk") !== null,
  neededBy: ["tests/reliability/saturation.reliability.ts"],
};

/** The test files that build the WAGI examples (tests/helpers/wagi-examples.ts). */
const WAGI_TESTS = ["tests/wasi/examples.test.ts", "tests/wasi/examples-deployed.test.ts"];
/**
 * The toolchains that build functions/examples/rust-wagi and c-wagi, each checked the way those
 * build scripts look for it: Debian's rustc with its wasm32-wasi standard library (sysroot /usr),
 * and clang with wasm-ld, wasi-libc (sysroot /usr) and the compiler's wasm32 runtime library.
 */
export const WASI_TOOLCHAINS: readonly SystemPackage[] = [
  { name: "rustc", present: () => existsSync("/usr/bin/rustc"), neededBy: WAGI_TESTS },
  {
    name: "libstd-rust-dev-wasm32",
    present: () => existsSync("/usr/lib/rustlib/wasm32-wasi"),
    neededBy: WAGI_TESTS,
  },
  { name: "clang", present: () => Bun.which("clang") !== null, neededBy: WAGI_TESTS },
  { name: "lld", present: () => Bun.which("wasm-ld") !== null, neededBy: WAGI_TESTS },
  { name: "wasi-libc", present: () => existsSync("/usr/include/wasm32-wasi/stdio.h"), neededBy: WAGI_TESTS },
  { name: "libclang-rt-14-dev-wasm32", present: () => clangRtWasm32() !== null, neededBy: WAGI_TESTS },
];

/** libclang_rt.builtins-wasm32.a of clang 14 (its directory is named for the full version), or null. */
function clangRtWasm32(): string | null {
  const root = "/usr/lib/llvm-14/lib/clang";
  if (!existsSync(root)) return null;
  for (const version of readdirSync(root)) {
    const path = join(root, version, "lib/wasi/libclang_rt.builtins-wasm32.a");
    if (existsSync(path)) return path;
  }
  return null;
}

/** The command that installs `names`, as root. */
export function installCommand(names: readonly string[]): string {
  return `apt-get update && apt-get install -y ${names.join(" ")}`;
}

export type Plan = { action: "none" } | { action: "install"; command: string } | { action: "stop"; message: string };

/**
 * What to do about `missing`: nothing, install them (root with apt-get), or stop with the
 * command a person must run.
 */
export function planInstall(missing: readonly SystemPackage[], canInstall: { root: boolean; apt: boolean }): Plan {
  if (missing.length === 0) return { action: "none" };
  const names = missing.map((pkg) => pkg.name);
  const command = installCommand(names);
  if (canInstall.root && canInstall.apt) return { action: "install", command };
  const needs = missing.map((pkg) => `${pkg.name} (${pkg.neededBy.join(", ")})`).join(", ");
  const how = canInstall.apt
    ? `Run as root, then run the tests again:\n  ${command}`
    : `Install ${names.length === 1 ? "it" : "them"} with the system's package manager (on Debian: ${command}), then run the tests again.`;
  return { action: "stop", message: `The tests need Debian packages that are missing: ${needs}.\n${how}` };
}

/**
 * Makes sure every package in `packages` is present: installs the missing ones as root with
 * apt-get (its output goes to the terminal). Returns null when all are there, else why the
 * tests cannot run, to print before stopping.
 */
export function ensureSystemPackages(packages: readonly SystemPackage[]): string | null {
  const missing = packages.filter((pkg) => !pkg.present());
  const plan = planInstall(missing, { root: process.getuid?.() === 0, apt: Bun.which("apt-get") !== null });
  if (plan.action === "none") return null;
  if (plan.action === "stop") return plan.message;
  console.log(`installing ${missing.map((pkg) => pkg.name).join(", ")} for the tests: ${plan.command}`);
  const install = Bun.spawnSync(["sh", "-c", plan.command], {
    stdin: "ignore",
    stdout: "inherit",
    stderr: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const still = missing.filter((pkg) => !pkg.present());
  if (still.length === 0) return null;
  return `${plan.command} (exit ${install.exitCode}) left missing: ${still.map((pkg) => pkg.name).join(", ")}.`;
}

/**
 * The packages that the files `bun test` would run with `args` need. Without a path filter the
 * whole suite runs; a filter selects the files whose path contains it (as bun test does).
 */
export function packagesFor(
  packages: readonly SystemPackage[],
  args: readonly string[],
  root: string,
): SystemPackage[] {
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-t" || arg === "--test-name-pattern")
      i++; // its value is a test name, not a path
    else if (!arg.startsWith("-")) filters.push(normalize(arg, root));
  }
  if (filters.length === 0) return [...packages];
  return packages.filter((pkg) => pkg.neededBy.some((file) => filters.some((filter) => file.includes(filter))));
}

function normalize(filter: string, root: string): string {
  const path = isAbsolute(filter) ? relative(root, filter) : filter;
  return path.replace(/^(\.\/)+/, "");
}
