// `bun run test`: the whole suite. bun test's own summary isn't read by CI, so this prints the
// closing `N passed, N failed` line itself, counted from bun's JUnit report. First it makes sure
// the Debian packages the selected tests need are there (helpers/system-packages.ts).
import { join } from "node:path";
import { exitIfMissing, finish, junitCounts } from "./helpers/suite-result";
import { CHROMIUM, CURL, ensureSystemPackages, packagesFor, SYSTEMD, WASI_TOOLCHAINS } from "./helpers/system-packages";
import { tempDir } from "./helpers/temp-dir";

exitIfMissing(
  ensureSystemPackages(
    packagesFor([CHROMIUM, CURL, SYSTEMD, ...WASI_TOOLCHAINS], Bun.argv.slice(2), join(import.meta.dir, "..")),
  ),
);

const dir = tempDir("edge-tests-");
const report = join(dir, "junit.xml");
// bunfig.toml's [test] timeout is not applied by bun 1.4.5, so the flag says it.
const proc = Bun.spawn(
  ["bun", "test", "--timeout=30000", "--reporter=junit", `--reporter-outfile=${report}`, ...Bun.argv.slice(2)],
  {
    stdio: ["inherit", "inherit", "inherit"],
  },
);
const code = await proc.exited;

finish(code, junitCounts(report));
