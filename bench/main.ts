// `bun run bench`: the performance issue's measurements in one run, each against what was
// measured in the same run where the target is a ratio. Not part of the test suite.
//   1. HTTP, in alternating rounds: baseline (in-process, no isolation, a new instance per
//      request), runner (one module), runner-routed (an edge node serving it through the control
//      plane's route table); and for comparison baseline-reset (in-process, one instance restored
//      between requests as the runner's workers do) and runner-new-instances (--instance-reuse off).
//      Then baseline and runner again with wrk at nice -10 (when allowed): on these 2 cores wrk
//      competes with the server's threads for CPU, which a remote client would not; the p99 of
//      both with the client given the CPU first shows what is the server's own.
//      Then a guest that grows its memory on every request (as Rust's allocator does), on the
//      runner as it is and with the engine's 8 fast memories (--fast-memories 0).
//   2. Deploy to first response on a warm edge node.
//   3. Edge node RSS with 1,000 deployed functions (hello-world sized, then 128 KiB each).
//   4. Module pipeline: interrupt-check cost on compute-heavy guests, 2 MiB pipeline + compile.
//   5. Artifact hashing throughput.
//   6. WAGI: the Rust WASI example's GET and POST echo on the runner, beside the edge-ABI hello.
// Prints the tables, writes bench/results/latest.json and latest.md (docs/performance.md's table).
// BENCH_SECONDS (10), BENCH_ROUNDS (5) and BENCH_FUNCTIONS (1000) shorten it.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { deployLatency } from "./deploy-latency";
import { growMemoryBench } from "./grow-memory";
import { hashing } from "./hashing";
import { runRounds, type HttpRow } from "./http-rounds";
import { clientPriorityAllowed, SAME_ENGINE } from "./http-subject";
import { manyFunctions } from "./many-functions";
import { describePipelineBench, pipelineBench } from "./pipeline";
import { runnerRouted } from "./subjects/runner-routed";
import { httpTable, measurements, measurementTable, targets, targetTable, type BenchResults } from "./summary";
import { wagiBench, wagiMeasurements } from "./wagi";

const MODULE = "build/hello_world.wasm";
const LOAD = {
  seconds: Number(process.env.BENCH_SECONDS ?? 10),
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  connections: 64,
  warmupSeconds: 2,
};
const FUNCTIONS = Number(process.env.BENCH_FUNCTIONS ?? 1000);
const CLIENT_NICE = -10;
const CLIENT_PRIORITY_ROUNDS = Math.min(3, LOAD.rounds);
const LARGE_KIB = 128;
/** Workers for a second run of the large functions: RSS grows with the workers, and so with the cores. */
const MANY_CORES_WORKERS = 8;

function ensureWrk(): void {
  if (Bun.which("wrk")) return;
  console.log("wrk is not installed; installing it with apt-get (Debian package wrk)");
  const r = Bun.spawnSync(["bash", "-c", "apt-get update -qq && apt-get install -y -qq wrk"], {
    stdout: "inherit",
    stderr: "inherit",
  });
  if (r.exitCode !== 0 || !Bun.which("wrk")) throw new Error("could not install wrk");
}

const started = performance.now();
const log = (line: string) => console.log(line);
ensureWrk();
const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Bun ${Bun.version}`;
console.log(
  `${machine}; wrk -t2 -c${LOAD.connections} -d${LOAD.seconds}s after ${LOAD.warmupSeconds}s of warm-up, ${LOAD.rounds} rounds; hello-world\n`,
);

const URL_LINE = /http:\/\/127\.0\.0\.1:\d+\//;
const baselineSubject = {
  name: "baseline",
  cmd: [...SAME_ENGINE, "bun", "bench/subjects/baseline.ts", MODULE, "0"],
  urlPattern: URL_LINE,
};
const runnerSubject = {
  name: "runner",
  cmd: ["bun", "runner/main.ts", MODULE, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"],
  urlPattern: URL_LINE,
};
const routed = await runnerRouted(MODULE);
let http: HttpRow[];
try {
  http = await runRounds(
    [
      baselineSubject,
      runnerSubject,
      routed.subject,
      { ...baselineSubject, name: "baseline-reset", cmd: [...baselineSubject.cmd, "reset"] },
      { ...runnerSubject, name: "runner-new-instances", cmd: [...runnerSubject.cmd, "--instance-reuse", "off"] },
    ],
    LOAD,
    log,
  );
} finally {
  await routed.control.stop();
}
console.log(`\nmedian of ${LOAD.rounds} rounds; ratios are medians of the per-round ratios`);
for (const line of httpTable(http)) console.log(line);

let clientPriority: BenchResults["clientPriority"] = null;
if (clientPriorityAllowed(CLIENT_NICE)) {
  console.log(`\nbaseline and runner again, wrk at nice ${CLIENT_NICE}, ${CLIENT_PRIORITY_ROUNDS} rounds`);
  const rows = await runRounds(
    [baselineSubject, runnerSubject],
    { ...LOAD, rounds: CLIENT_PRIORITY_ROUNDS, clientNice: CLIENT_NICE },
    log,
  );
  clientPriority = { nice: CLIENT_NICE, rows };
} else {
  console.log(`\nwrk at nice ${CLIENT_NICE} is not allowed here (needs root): that comparison is left out`);
}

console.log(
  `\na guest growing its memory on every request: the runner, and with --fast-memories 0; ${CLIENT_PRIORITY_ROUNDS} rounds`,
);
const growMemory = await growMemoryBench({ ...LOAD, rounds: CLIENT_PRIORITY_ROUNDS }, log);

console.log(
  `\nWAGI (the Rust WASI example) beside the edge-ABI hello, on the runner; ${CLIENT_PRIORITY_ROUNDS} rounds`,
);
const wagi = await wagiBench(runnerSubject, { ...LOAD, rounds: CLIENT_PRIORITY_ROUNDS }, log);
if ("skipped" in wagi) console.log(`  skipped: ${wagi.skipped}`);
else for (const line of httpTable(wagi.rows)) console.log(line);

console.log("\ndeploy to first response on a warm edge node");
const deploy = await deployLatency(10);
console.log(
  `  new version ${deploy.newVersion.totalMs.map((v) => v.toFixed(1)).join(", ")} ms; new function ${deploy.newFunction.totalMs.map((v) => v.toFixed(1)).join(", ")} ms`,
);

console.log(`\n${FUNCTIONS} hello-world-sized functions on one edge node`);
const manySmall = await manyFunctions(FUNCTIONS, 0, log);
console.log(`${FUNCTIONS} functions of ${LARGE_KIB} KiB of code on one edge node`);
const manyLarge = await manyFunctions(FUNCTIONS, LARGE_KIB, log);
console.log(`the same with ${MANY_CORES_WORKERS} workers (what a ${MANY_CORES_WORKERS}-core machine starts)`);
const manyLargeManyWorkers = await manyFunctions(FUNCTIONS, LARGE_KIB, log, MANY_CORES_WORKERS);

console.log("\nmodule pipeline");
const pipeline = pipelineBench();
for (const line of describePipelineBench(pipeline)) console.log(`  ${line}`);

console.log("\nartifact hashing");
const hashes = hashing();
for (const h of hashes) console.log(`  ${h.name}: ${h.mibPerSecond.toFixed(0)} MiB/s`);

const results: BenchResults = {
  http,
  clientPriority,
  growMemory,
  deploy,
  manySmall,
  manyLarge,
  manyLargeManyWorkers,
  pipeline,
  hashing: hashes,
};
const summary = targets(results, LOAD.connections);
const others = [...measurements(results), ...wagiMeasurements(wagi)];
const markdown = [
  `${machine}; \`bun run bench\` (wrk -t2 -c${LOAD.connections} -d${LOAD.seconds}s, median of ${LOAD.rounds} alternating rounds; ratios are medians of per-round ratios), ${new Date().toISOString().slice(0, 10)}.`,
  "",
  ...httpTable(http),
  "",
  ...("rows" in wagi
    ? [
        "WAGI (the Rust WASI example) on the runner; its ratios are to the edge-ABI hello (runner) of the same rounds:",
        "",
        ...httpTable(wagi.rows),
        "",
      ]
    : []),
  ...targetTable(summary),
  "",
  ...measurementTable(others),
];
console.log(`\n${markdown.join("\n")}`);

mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/latest.json",
  `${JSON.stringify({ date: new Date().toISOString(), machine, load: LOAD, targets: summary, measurements: others, ...results, wagi }, null, 2)}\n`,
);
writeFileSync("bench/results/latest.md", `${markdown.join("\n")}\n`);
console.log(
  `\nresults written to bench/results/latest.json and latest.md (${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
