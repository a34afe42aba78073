// `bun run test:reliability`: the reliability suite (tests/reliability/*.reliability.ts), kept
// out of `bun run test` by its file names. Each file is passed to bun test as an explicit ./path
// (bun only runs files not named *.test.ts when given such a path). Prints the figures every
// scenario reported as a Markdown table, then the closing `N passed, N failed` line.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Figures } from "./helpers/report";
import { exitIfMissing, finish, junitCounts } from "../helpers/suite-result";
import { ensureSystemPackages, WRK } from "../helpers/system-packages";
import { findOrStartPostgres } from "../helpers/postgres-cluster";
import { NO_POSTGRES } from "../helpers/postgres";

const root = join(import.meta.dir, "..", "..");
const only = Bun.argv.slice(2);
const files = readdirSync(import.meta.dir)
  .filter((name) => name.endsWith(".reliability.ts"))
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort()
  .map((name) => `./${relative(root, join(import.meta.dir, name))}`);

// bun test given no file runs every *.test.ts instead: a filter that matches nothing is an error.
if (files.length === 0) {
  console.log(`no reliability scenario matches ${only.join(" ")}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

// Debian packages the selected scenarios need: installed as root, else the command to run.
exitIfMissing(ensureSystemPackages([WRK].filter((pkg) => pkg.neededBy.some((file) => files.includes(`./${file}`)))));

// PostgreSQL for the shared-store scenario: found or started as `bun run test` does.
const postgres = await findOrStartPostgres();
console.log(postgres ? `PostgreSQL for the scenarios: ${postgres.how}` : NO_POSTGRES);

const dir = mkdtempSync(join(tmpdir(), "edge-reliability-"));
const junit = join(dir, "junit.xml");
const figures = join(dir, "figures.jsonl");
// Every data dir, cache dir and mount point the scenarios make goes under here, removed at the end.
const scratch = join(dir, "tmp");
mkdirSync(scratch);
const started = performance.now();
const proc = Bun.spawn(
  ["bun", "test", "--timeout=120000", "--reporter=junit", `--reporter-outfile=${junit}`, ...files],
  {
    cwd: root,
    stdio: ["inherit", "inherit", "inherit"],
    // fetch opens at most 256 connections at once by default; the overload scenario needs more.
    env: {
      ...process.env,
      ...(postgres ? { EDGE_TEST_DATABASE_URL: postgres.url } : {}),
      TMPDIR: scratch,
      RELIABILITY_REPORT: figures,
      BUN_CONFIG_MAX_HTTP_REQUESTS: "2048",
    },
  },
);
const code = await proc.exited;
await postgres?.stop();
if (!postgres) console.log(NO_POSTGRES);
const seconds = (performance.now() - started) / 1000;

const counts = junitCounts(junit);
let rows: Figures[] = [];
try {
  rows = readFileSync(figures, "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Figures);
} catch {
  // No scenario reported.
}
try {
  rmSync(dir, { recursive: true, force: true });
} catch (error) {
  console.log(`could not remove ${dir}: ${(error as Error).message}`); // a mount a killed scenario left behind
}

if (rows.length > 0) {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  console.log("\n| Scenario | What was tried | How much | What was lost |\n|---|---|---|---|");
  for (const row of rows)
    console.log(`| ${cell(row.scenario)} | ${cell(row.tried)} | ${cell(row.amount)} | ${cell(row.lost)} |`);
}
console.log(`\nreliability suite: ${files.length} files in ${seconds.toFixed(0)} s`);
finish(code, counts);
