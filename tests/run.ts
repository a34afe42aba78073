// `bun run test`: the whole suite. bun test's own summary isn't read by CI, so this prints the
// closing `N passed, N failed` line itself, counted from bun's JUnit report. First it makes sure
// the Debian packages the selected tests need are there (helpers/system-packages.ts).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM, CURL, ensureSystemPackages, packagesFor } from "./helpers/system-packages";

const missing = ensureSystemPackages(packagesFor([CHROMIUM, CURL], Bun.argv.slice(2), join(import.meta.dir, "..")));
if (missing !== null) {
  console.log(missing);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "edge-tests-"));
const report = join(dir, "junit.xml");
// bunfig.toml's [test] timeout is not applied by bun 1.4.5, so the flag says it.
const proc = Bun.spawn(["bun", "test", "--timeout=30000", "--reporter=junit", `--reporter-outfile=${report}`, ...Bun.argv.slice(2)], {
  stdio: ["inherit", "inherit", "inherit"],
});
const code = await proc.exited;

let passed = 0;
let failed = 0;
try {
  const xml = readFileSync(report, "utf8");
  const suite = xml.match(/<testsuites[^>]*>/)?.[0] ?? "";
  const attr = (name: string) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  const total = attr("tests");
  failed = attr("failures") + attr("errors");
  passed = total - failed - attr("skipped");
} catch {
  // No report means bun test itself failed before running anything.
}
rmSync(dir, { recursive: true, force: true });
if (code !== 0 && failed === 0) failed = 1; // a crash or load error is a failure even if no case says so
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
