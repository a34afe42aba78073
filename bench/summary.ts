// The targets, each with what this run measured and whether it was met, plus the
// measurements that have no target; as data (for latest.json) and as Markdown tables.
import type { DeployLatency } from "./deploy-latency";
import type { HashRate } from "./hashing";
import { pairedRatio, type HttpRow } from "./http-rounds";
import type { ManyFunctions } from "./many-functions";
import type { PipelineBench } from "./pipeline";

export interface TargetResult {
  target: string;
  goal: string;
  measured: string;
  met: boolean;
}

export interface Measurement {
  measurement: string;
  value: string;
}

export interface BenchResults {
  http: HttpRow[];
  /** Baseline and runner with the load generator at a higher priority; null when not allowed. */
  clientPriority: { nice: number; rows: HttpRow[] } | null;
  /** A guest growing its memory per request: "grow" (the runner's defaults), "grow-8-fast-memories". */
  growMemory: HttpRow[];
  deploy: DeployLatency;
  manySmall: ManyFunctions;
  manyLarge: ManyFunctions;
  /** manyLarge with more workers than this machine has cores: how RSS grows with the core count. */
  manyLargeManyWorkers: ManyFunctions;
  pipeline: PipelineBench;
  hashing: HashRate[];
}

const ms = (v: number, digits = 1) => `${v.toFixed(digits)} ms`;
const mib = (v: number) => `${v.toFixed(0)} MiB`;
const x = (v: number, digits = 2) => `${v.toFixed(digits)}x`;

const cpu = (row: HttpRow) => `${row.cpuUsPerRequest.toFixed(1)} µs`;

function manyText(m: ManyFunctions): string {
  return `${mib(m.rssAfterRequestsMiB)} after one request to each (${mib(m.rssAfterSyncMiB)} once synced; ${mib(m.emptyNodeRssMiB)} with none)`;
}

export function targets(r: BenchResults, connections: number): TargetResult[] {
  const row = (name: string) => r.http.find((h) => h.subject === name)!;
  const [runner, routed] = [row("runner"), row("runner-routed")];
  const routedRatio = pairedRatio(routed.rounds, runner.rounds);
  const { newVersion, newFunction } = r.deploy;
  return [
    {
      target: "runner hello-world throughput",
      goal: ">= 0.80x baseline",
      measured: `${x(runner.ratioToBaseline, 3)} (median ${runner.rps.toFixed(0)} vs ${row("baseline").rps.toFixed(0)} req/s; CPU ${cpu(runner)} vs ${cpu(row("baseline"))} per request)`,
      met: runner.ratioToBaseline >= 0.8,
    },
    {
      target: `runner p99 at that load (${connections} connections)`,
      goal: "<= 2 ms",
      measured: `${ms(runner.p99Ms, 2)} (baseline ${ms(row("baseline").p99Ms, 2)} at the same load)`,
      met: runner.p99Ms <= 2,
    },
    {
      target: "runner-routed throughput",
      goal: ">= 0.90x runner",
      measured: `${x(routedRatio, 3)} (median ${routed.rps.toFixed(0)} req/s, p99 ${ms(routed.p99Ms, 2)}; CPU ${cpu(routed)} vs ${cpu(runner)} per request)`,
      met: routedRatio >= 0.9,
    },
    {
      target: `deploy to first response, warm node: new version (${newVersion.runs} runs)`,
      goal: "< 50 ms (median)",
      measured: `median ${ms(newVersion.medianMs)}, max ${ms(newVersion.maxMs)}`,
      met: newVersion.medianMs < 50,
    },
    {
      target: `deploy to first response, warm node: new function (${newFunction.runs} runs)`,
      goal: "< 50 ms (median)",
      measured: `median ${ms(newFunction.medianMs)}, max ${ms(newFunction.maxMs)}`,
      met: newFunction.medianMs < 50,
    },
    {
      target: "process start to first response (runner hello_world.wasm)",
      goal: "< 150 ms",
      measured: `${ms(runner.startToFirstResponseMs, 0)} (median; rounds ${runner.startMsRounds.join(", ")})`,
      met: runner.startToFirstResponseMs < 150,
    },
    {
      target: `edge node RSS, ${r.manySmall.functions} hello-world-sized functions (${r.manySmall.moduleBytes} B)`,
      goal: "< 400 MiB",
      measured: manyText(r.manySmall),
      met: r.manySmall.rssAfterRequestsMiB < 400,
    },
    {
      target: `edge node RSS, ${r.manyLarge.functions} functions of ${(r.manyLarge.moduleBytes / 1024).toFixed(0)} KiB`,
      goal: "< 400 MiB",
      measured: manyText(r.manyLarge),
      met: r.manyLarge.rssAfterRequestsMiB < 400,
    },
  ];
}

export function measurements(r: BenchResults): Measurement[] {
  const row = (name: string) => r.http.find((h) => h.subject === name)!;
  const [baseline, runner, routed] = [row("baseline"), row("runner"), row("runner-routed")];
  const [baselineReset, newInstances] = [row("baseline-reset"), row("runner-new-instances")];
  const p = r.pipeline.pipeline;
  const many = (m: ManyFunctions) =>
    `register ${m.registerSeconds.toFixed(1)} s; node start to all applied ${m.syncSeconds.toFixed(1)} s; one request to each ${m.requestSeconds.toFixed(2)} s (${m.wrongAnswers} wrong); module cache ${m.moduleCacheModules} modules, ${mib(m.moduleCacheMiB)} estimated, ${m.moduleCacheEvictions} evictions`;
  return [
    {
      measurement: "runner with a new instance per request (--instance-reuse off) vs baseline",
      value: `${x(newInstances.ratioToBaseline, 3)} (CPU ${cpu(newInstances)} per request)`,
    },
    {
      measurement:
        "runner vs baseline-reset (both restore one instance between requests: what the hop to a worker costs)",
      value: `${x(pairedRatio(runner.rounds, baselineReset.rounds), 3)} (CPU ${cpu(runner)} vs ${cpu(baselineReset)} per request)`,
    },
    clientPriorityMeasurement(r.clientPriority),
    growMemoryMeasurement(r.growMemory),
    {
      measurement: "process start to listening (URL printed): runner, baseline",
      value: `${ms(runner.startToListenMs, 0)}, ${ms(baseline.startToListenMs, 0)} (medians)`,
    },
    {
      measurement: "edge node start to first response (empty cache: snapshot, download, verify, compile)",
      value: `${ms(routed.startToFirstResponseMs, 0)} (median; rounds ${routed.startMsRounds.join(", ")})`,
    },
    ...r.pipeline.checks.map((c) => ({
      measurement: `compute-heavy ${c.name}: rewritten vs original module`,
      value: `${x(c.ratio)} (${ms(c.preparedMs)} vs ${ms(c.originalMs)})`,
    })),
    {
      measurement: `pipeline on a ${p.inputMiB.toFixed(2)} MiB module: prepareModule (validates input and output)`,
      value: `${ms(p.prepareMs)} (min ${ms(p.prepareMinMs)}, max ${ms(p.prepareMaxMs)})`,
    },
    {
      measurement: `runner path on the ${p.inputMiB.toFixed(2)} MiB module: pipeline + compile`,
      value: `${ms(p.runnerPipelineMs)} + ${ms(p.compileMs)} = ${ms(p.runnerPipelineMs + p.compileMs)}`,
    },
    ...r.hashing.map((h) => ({
      measurement: `SHA-256 of 50 MiB: ${h.name}`,
      value: `${h.mibPerSecond.toFixed(0)} MiB/s (${ms(h.medianMs)})`,
    })),
    { measurement: `${r.manySmall.functions} hello-world-sized functions`, value: many(r.manySmall) },
    {
      measurement: `${r.manyLarge.functions} functions of ${(r.manyLarge.moduleBytes / 1024).toFixed(0)} KiB`,
      value: many(r.manyLarge),
    },
    {
      measurement: `edge node RSS, ${r.manyLargeManyWorkers.functions} functions of ${(r.manyLargeManyWorkers.moduleBytes / 1024).toFixed(0)} KiB, ${r.manyLargeManyWorkers.workers} workers (as on a machine with ${r.manyLargeManyWorkers.workers} cores)`,
      value: manyText(r.manyLargeManyWorkers),
    },
  ];
}

function growMemoryMeasurement(rows: HttpRow[]): Measurement {
  const [fast, engine] = [
    rows.find((h) => h.subject === "grow")!,
    rows.find((h) => h.subject === "grow-8-fast-memories")!,
  ];
  return {
    measurement:
      "a guest that grows its memory on every request (as Rust's allocator does; a new memory each time): the runner vs the runner with the engine's 8 fast memories (--fast-memories 0)",
    value: `${x(pairedRatio(fast.rounds, engine.rounds))} (${fast.rps.toFixed(0)} vs ${engine.rps.toFixed(0)} req/s; CPU ${cpu(fast)} vs ${cpu(engine)} per request; ${fast.rounds.length} rounds)`,
  };
}

function clientPriorityMeasurement(c: BenchResults["clientPriority"]): Measurement {
  const measurement =
    "p99 with wrk at a higher priority than the server (what is left when the client does not compete for the CPUs, as a remote one would not)";
  if (!c) return { measurement, value: "not measured: raising wrk's priority needs root" };
  const [baseline, runner] = [
    c.rows.find((h) => h.subject === "baseline")!,
    c.rows.find((h) => h.subject === "runner")!,
  ];
  return {
    measurement,
    value: `wrk at nice ${c.nice}, ${runner.rounds.length} rounds: runner ${ms(runner.p99Ms, 2)} (rounds ${runner.p99Rounds.map((v) => v.toFixed(2)).join(", ")}) vs baseline ${ms(baseline.p99Ms, 2)} (${baseline.p99Rounds.map((v) => v.toFixed(2)).join(", ")}); req/s ${runner.rps.toFixed(0)} vs ${baseline.rps.toFixed(0)}`,
  };
}

export function httpTable(rows: HttpRow[]): string[] {
  const runner = rows.find((r) => r.subject === "runner")!;
  return [
    "| subject | req/s | p50 ms | p99 ms | errors | CPU µs/req | RSS MiB | start to first response ms | ratio to baseline | ratio to runner | req/s per round |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${r.subject} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${r.cpuUsPerRequest.toFixed(0)} | ${r.rssMiB.toFixed(0)} | ${r.startToFirstResponseMs.toFixed(0)} | ${r.ratioToBaseline.toFixed(2)} | ${pairedRatio(r.rounds, runner.rounds).toFixed(2)} | ${r.rounds.join(", ")} |`,
    ),
  ];
}

export function targetTable(list: TargetResult[]): string[] {
  return [
    "| target | goal | measured | |",
    "|---|---|---|---|",
    ...list.map((t) => `| ${t.target} | ${t.goal} | ${t.measured} | ${t.met ? "met" : "**missed**"} |`),
  ];
}

export function measurementTable(list: Measurement[]): string[] {
  return ["| measurement | value |", "|---|---|", ...list.map((m) => `| ${m.measurement} | ${m.value} |`)];
}
