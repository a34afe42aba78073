// `bun run test`: the whole suite. bun test's own summary isn't read by CI, so this prints the
// closing `N passed, N failed` line itself, counted from bun's JUnit report. First it makes sure
// the Debian packages the selected tests need are there (helpers/system-packages.ts), and finds
// or starts a PostgreSQL (helpers/postgres-cluster.ts). The whole suite then runs a second pass
// of the control plane's API, watch and CLI tests with their control planes on PostgreSQL, so
// both backends show the same behaviour. Without PostgreSQL it says `skipped: no PostgreSQL`.
import { join } from "node:path";
import { exitIfMissing, finish, junitCounts } from "./helpers/suite-result";
import { CHROMIUM, CURL, ensureSystemPackages, packagesFor, SYSTEMD, WASI_TOOLCHAINS } from "./helpers/system-packages";
import { findOrStartPostgres } from "./helpers/postgres-cluster";
import { NO_POSTGRES } from "./helpers/postgres";
import { tempDir } from "./helpers/temp-dir";

const args = Bun.argv.slice(2);
exitIfMissing(
  ensureSystemPackages(packagesFor([CHROMIUM, CURL, SYSTEMD, ...WASI_TOOLCHAINS], args, join(import.meta.dir, ".."))),
);

const postgres = await findOrStartPostgres();
console.log(postgres ? `PostgreSQL for the tests: ${postgres.how}` : NO_POSTGRES);
const env = { ...process.env, ...(postgres ? { EDGE_TEST_DATABASE_URL: postgres.url } : {}) };

const dir = tempDir("edge-tests-");
/** One bun test run; its counts from the JUnit report. */
async function pass(name: string, files: string[], extra: Record<string, string> = {}) {
  const report = join(dir, `${name}.xml`);
  // bunfig.toml's [test] timeout is not applied by bun 1.4.5, so the flag says it.
  const proc = Bun.spawn(
    ["bun", "test", "--timeout=30000", "--reporter=junit", `--reporter-outfile=${report}`, ...files],
    {
      stdio: ["inherit", "inherit", "inherit"],
      env: { ...env, ...extra },
    },
  );
  return { code: await proc.exited, counts: junitCounts(report) };
}

const main = await pass("main", args);
const second =
  postgres && args.length === 0
    ? await pass("postgres", ["tests/control", "tests/edge", "tests/cli"], { EDGE_TEST_CONTROL_STORE: "postgres" })
    : null;
await postgres?.stop();

if (!postgres) console.log(NO_POSTGRES);
const code = main.code !== 0 ? main.code : (second?.code ?? 0);
finish(code, {
  passed: main.counts.passed + (second?.counts.passed ?? 0),
  failed: main.counts.failed + (second?.counts.failed ?? 0),
});
