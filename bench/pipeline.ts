// Module pipeline benchmark (not a test). Run: bun bench/pipeline.ts
// 1. Cost of the injected interrupt checks: a 200M-iteration xorshift loop and a recursive
//    fib (entry checks only), original vs prepared, in the same process.
// 2. Pipeline time on a generated ~2 MiB module.

import { prepareModule } from "../runner/pipeline/index.ts";
import { readModuleInfo } from "../runner/pipeline/module-info.ts";
import { planRewrite, rewriteModule } from "../runner/pipeline/rewrite-module.ts";
import { splitSections } from "../runner/pipeline/sections.ts";
import { checkAbi, checkMemoryShape } from "../runner/pipeline/validate.ts";
import { bigModule } from "../tests/fixtures/pipeline/big-module.ts";
import { wat } from "../tests/fixtures/wat.ts";

const ITERATIONS = 200_000_000;
const ROUNDS = 5;

const HOT = `(module
  (func (export "handle"))
  (func (export "xorshift") (param $n i32) (result i32) (local $x i32)
    (local.set $x (i32.const 2463534242))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
        (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $x))
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2))))))))`;

type Fn = (n: number) => number;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function benchChecks(): void {
  const original = wat(HOT);
  const prepared = prepareModule(original, { memoryPages: 1, entrypoint: "handle" });
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
  const prep = new WebAssembly.Instance(new WebAssembly.Module(prepared.bytes), { env: { memory }, edge_sandbox: { interrupt } }).exports;
  for (const [name, arg] of [["xorshift", ITERATIONS], ["fib", 32]] as const) {
    const o = orig[name] as Fn;
    const p = prep[name] as Fn;
    if (o(arg) !== p(arg)) throw new Error(`${name}: results differ`);
    const to: number[] = [];
    const tp: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      to.push(time(() => o(arg)));
      tp.push(time(() => p(arg)));
    }
    const ratio = median(tp) / median(to);
    console.log(`${name}(${arg}): original ${median(to).toFixed(1)} ms, prepared ${median(tp).toFixed(1)} ms, ratio ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}% overhead), median of ${ROUNDS}`);
  }
  console.log(`interrupt calls: ${interrupts}`);
}

function benchPipeline(): void {
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
  console.log(
    `prepareModule on ${(bytes.length / 1048576).toFixed(2)} MiB (${out - bytes.length} bytes added): median ${median(runs).toFixed(1)} ms (min ${Math.min(...runs).toFixed(1)}, max ${Math.max(...runs).toFixed(1)}, 10 runs)`,
  );
  console.log(
    `  read + rewrite + checks: ${median(own).toFixed(1)} ms; engine WebAssembly.validate: input ${median(validateIn).toFixed(1)} ms, output ${median(validateOut).toFixed(1)} ms`,
  );
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
  console.log(
    `  runner path (verifyOutput: false, compile validates): pipeline ${median(runnerPath).toFixed(1)} ms, then new WebAssembly.Module ${median(compile).toFixed(1)} ms`,
  );
}

console.log(`bun ${Bun.version}`);
benchChecks();
benchPipeline();
