// Module pipeline benchmark (not a test). Run alone: bun bench/pipeline.ts
// 1. Cost of the injected interrupt checks on compute-heavy guests: a 200M-iteration xorshift
//    loop and a recursive fib (entry checks only), original vs prepared, in the same process.
// 2. Pipeline and compile time on a generated ~2 MiB module.

import { prepareModule } from "../core/pipeline/index.ts";
import { readModuleInfo } from "../core/pipeline/module-info.ts";
import { planRewrite, rewriteModule } from "../core/pipeline/rewrite-module.ts";
import { splitSections } from "../core/pipeline/sections.ts";
import { checkAbi, checkMemoryShape } from "../core/pipeline/validate.ts";
import { bigModule } from "../tests/fixtures/pipeline/big-module.ts";
import { fixture } from "../tests/fixtures/pipeline/corpus.ts";
import { median } from "./http-subject";

const ITERATIONS = 200_000_000;
const ROUNDS = 5;

type Fn = (n: number) => number;

export interface CheckCost {
  name: string;
  originalMs: number;
  preparedMs: number;
  /** prepared / original */
  ratio: number;
}

export interface PipelineCost {
  inputMiB: number;
  addedBytes: number;
  /** prepareModule with its own output validation: median, min, max of 10 runs. */
  prepareMs: number;
  prepareMinMs: number;
  prepareMaxMs: number;
  /** The pipeline's own work (read, rewrite, checks), without the engine's validations. */
  ownMs: number;
  validateInputMs: number;
  validateOutputMs: number;
  /** What the runner does: prepareModule without output validation, then compile. */
  runnerPipelineMs: number;
  compileMs: number;
}

export interface PipelineBench {
  checks: CheckCost[];
  interruptCalls: number;
  pipeline: PipelineCost;
}

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function benchChecks(): { checks: CheckCost[]; interruptCalls: number } {
  const original = fixture("hot-loops");
  // keepAllExports: the bench calls xorshift and fib, not the entrypoint.
  const prepared = prepareModule(original, { memoryPages: 1, entrypoint: "handle" }, { keepAllExports: true });
  if (!prepared.ok) throw new Error(prepared.rejection.message);
  let interrupts = 0;
  const deadline = performance.now() + 600_000;
  // What a runner's interrupt does: check the clock, grant more fuel.
  const interrupt = () => {
    interrupts++;
    if (performance.now() > deadline) throw new Error("deadline");
    return 10_000;
  };
  const orig = new WebAssembly.Instance(new WebAssembly.Module(original), {}).exports;
  const memory = new WebAssembly.Memory({ initial: prepared.memory.minPages, maximum: prepared.memory.maxPages });
  const prep = new WebAssembly.Instance(new WebAssembly.Module(prepared.bytes), {
    env: { memory },
    edge_sandbox: { interrupt, stack_overflow: () => 0 },
  }).exports;
  const checks: CheckCost[] = [];
  for (const [name, arg] of [
    ["xorshift", ITERATIONS],
    ["fib", 32],
  ] as const) {
    const o = orig[name] as Fn;
    const p = prep[name] as Fn;
    if (o(arg) !== p(arg)) throw new Error(`${name}: results differ`);
    const to: number[] = [];
    const tp: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      to.push(time(() => o(arg)));
      tp.push(time(() => p(arg)));
    }
    checks.push({
      name: `${name}(${arg})`,
      originalMs: median(to),
      preparedMs: median(tp),
      ratio: median(tp) / median(to),
    });
  }
  return { checks, interruptCalls: interrupts };
}

function benchPipeline(): PipelineCost {
  const bytes = bigModule(2 * 1024 * 1024);
  const limits = { memoryPages: 16, entrypoint: "handle" };
  for (let i = 0; i < 3; i++) prepareModule(bytes, limits);
  const runs: number[] = [];
  let out = 0;
  for (let i = 0; i < 10; i++) {
    runs.push(
      time(() => {
        const r = prepareModule(bytes, limits);
        if (!r.ok) throw new Error(r.rejection.message);
        out = r.bytes.length;
      }),
    );
  }
  const output = prepareModule(bytes, limits);
  if (!output.ok) throw new Error(output.rejection.message);
  const own: number[] = [];
  const validateIn: number[] = [];
  const validateOut: number[] = [];
  for (let i = 0; i < 10; i++) {
    // The pipeline's own work: everything prepareModule does except the two engine validations.
    own.push(
      time(() => {
        const info = readModuleInfo(bytes, splitSections(bytes));
        checkMemoryShape(info);
        rewriteModule(info, planRewrite(info, limits.memoryPages));
        checkAbi(info, limits);
      }),
    );
    validateIn.push(time(() => WebAssembly.validate(bytes)));
    validateOut.push(time(() => WebAssembly.validate(output.bytes)));
  }
  // The runner's path: it compiles the output right away, which validates it, so it skips the
  // pipeline's own output validation.
  const runnerPath: number[] = [];
  const compile: number[] = [];
  for (let i = 0; i < 10; i++) {
    let prepared: Uint8Array = bytes;
    runnerPath.push(
      time(() => {
        const r = prepareModule(bytes, limits, { verifyOutput: false });
        if (!r.ok) throw new Error(r.rejection.message);
        prepared = r.bytes;
      }),
    );
    compile.push(time(() => new WebAssembly.Module(prepared)));
  }
  return {
    inputMiB: bytes.length / 1048576,
    addedBytes: out - bytes.length,
    prepareMs: median(runs),
    prepareMinMs: Math.min(...runs),
    prepareMaxMs: Math.max(...runs),
    ownMs: median(own),
    validateInputMs: median(validateIn),
    validateOutputMs: median(validateOut),
    runnerPipelineMs: median(runnerPath),
    compileMs: median(compile),
  };
}

export function pipelineBench(): PipelineBench {
  return { ...benchChecks(), pipeline: benchPipeline() };
}

export function describePipelineBench(r: PipelineBench): string[] {
  const f = (v: number) => v.toFixed(1);
  const p = r.pipeline;
  return [
    ...r.checks.map(
      (c) =>
        `${c.name}: original ${f(c.originalMs)} ms, prepared ${f(c.preparedMs)} ms, ratio ${c.ratio.toFixed(3)} (${f((c.ratio - 1) * 100)}% overhead), median of ${ROUNDS}`,
    ),
    `interrupt calls: ${r.interruptCalls}`,
    `prepareModule on ${p.inputMiB.toFixed(2)} MiB (${p.addedBytes} bytes added): median ${f(p.prepareMs)} ms (min ${f(p.prepareMinMs)}, max ${f(p.prepareMaxMs)}, 10 runs)`,
    `  read + rewrite + checks: ${f(p.ownMs)} ms; engine WebAssembly.validate: input ${f(p.validateInputMs)} ms, output ${f(p.validateOutputMs)} ms`,
    `  runner path (verifyOutput: false, compile validates): pipeline ${f(p.runnerPipelineMs)} ms, then new WebAssembly.Module ${f(p.compileMs)} ms`,
  ];
}

if (import.meta.main) {
  console.log(`bun ${Bun.version}`);
  for (const line of describePipelineBench(pipelineBench())) console.log(line);
}
