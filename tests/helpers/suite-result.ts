// What `bun run test` and `bun run test:reliability` share: refusing to start without the Debian
// packages the selected files need, and the closing `N passed, N failed` line, counted from bun
// test's JUnit report (bun's own summary isn't read by CI).
import { readFileSync } from "node:fs";

/** Prints what is missing (or the command to install it) and exits 1 when `missing` is not null. */
export function exitIfMissing(missing: string | null): void {
  if (missing === null) return;
  console.log(missing);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

/** The counts of the JUnit report at `path`; none when bun test wrote none (it failed before running anything). */
export function junitCounts(path: string): { passed: number; failed: number } {
  try {
    const suite = readFileSync(path, "utf8").match(/<testsuites[^>]*>/)?.[0] ?? "";
    const attr = (name: string) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    return { passed: attr("tests") - failed - attr("skipped"), failed };
  } catch {
    return { passed: 0, failed: 0 };
  }
}

/** Prints the closing line and exits: 0 only if bun test exited 0, nothing failed and something passed. */
export function finish(code: number, counts: { passed: number; failed: number }): never {
  // A crash or load error is a failure even if no case says so.
  const failed = code !== 0 && counts.failed === 0 ? 1 : counts.failed;
  console.log(`${counts.passed} passed, ${failed} failed`);
  process.exit(code === 0 && failed === 0 && counts.passed > 0 ? 0 : 1);
}
