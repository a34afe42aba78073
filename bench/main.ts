// `bun run bench`: throughput and latency of the runner against a baseline measured in the same
// run, plus the module pipeline's costs. Not part of the test suite; numbers are ratios.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { rssMiB, startSubject, wrk, type Subject } from "./http-subject";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 64;
const MODULE = "build/hello_world.wasm";

function ensureWrk(): void {
  if (Bun.which("wrk")) return;
  console.log("wrk is not installed; installing it with apt-get (Debian package wrk)");
  const r = Bun.spawnSync(["bash", "-c", "apt-get update -qq && apt-get install -y -qq wrk"], { stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0 || !Bun.which("wrk")) throw new Error("could not install wrk");
}

const URL_LINE = /http:\/\/127\.0\.0\.1:\d+\//;
const subjects: Subject[] = [
  { name: "baseline", cmd: ["bun", "bench/subjects/baseline.ts", MODULE, "0"], urlPattern: URL_LINE },
  { name: "runner", cmd: ["bun", "runner/main.ts", MODULE, "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"], urlPattern: URL_LINE },
];

ensureWrk();
console.log(`bun ${Bun.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, hello-world\n`);

// Subjects take turns, ROUNDS times, and each reports its median round: on a 2-core machine
// shared with wrk, one round alone swings by ±15 %.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
interface Run {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  rssMiB: number;
  startToFirstResponseMs: number;
}
const runs = new Map<string, Run[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const subject of subjects) {
    const running = await startSubject(subject);
    try {
      await wrk(running.url, 2, CONNECTIONS); // warm-up: JIT, worker pools, memory pools
      const result = await wrk(running.url, SECONDS, CONNECTIONS);
      const list = runs.get(subject.name) ?? [];
      list.push({ ...result, rssMiB: rssMiB(running.pid), startToFirstResponseMs: running.startMs });
      runs.set(subject.name, list);
    } finally {
      await running.stop();
    }
  }
}
const medianRun = (list: Run[]): Run => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];
const baselineRps = medianRun(runs.get("baseline")!).rps;
const rows = subjects.map((s) => {
  const m = medianRun(runs.get(s.name)!);
  return { subject: s.name, ...m, ratio: m.rps / baselineRps, rounds: runs.get(s.name)!.map((r) => Math.round(r.rps)) };
});

const fmt = (v: unknown, digits = 2) => (typeof v === "number" ? v.toFixed(digits) : String(v));
console.log(`median of ${ROUNDS} rounds (req/s of each round in the last column)`);
console.log("| subject | req/s | p50 ms | p99 ms | RSS MiB | start to first response ms | ratio to baseline | rounds |");
console.log("|---|---:|---:|---:|---:|---:|---:|---|");
for (const r of rows) {
  console.log(`| ${r.subject} | ${fmt(r.rps, 0)} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.rssMiB, 0)} | ${fmt(r.startToFirstResponseMs, 0)} | ${fmt(r.ratio)} | ${r.rounds.join(", ")} |`);
}

console.log("\nmodule pipeline:");
const pipeline = Bun.spawnSync(["bun", "bench/pipeline.ts"], { stdout: "pipe", stderr: "inherit" });
const pipelineText = pipeline.stdout.toString();
console.log(pipelineText);

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", JSON.stringify({ date: new Date().toISOString(), bun: Bun.version, seconds: SECONDS, connections: CONNECTIONS, http: rows, pipeline: pipelineText.trim().split("\n") }, null, 2));
console.log("results written to bench/results/latest.json");
