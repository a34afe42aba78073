// Property: for random valid modules prepared with the reset entry, calling the entrypoint
// again and again on one instance, with memory restored between calls the way the runner does
// it (reusable-instances.ts), computes exactly what a new instance of the original computes for
// each call: same value or trap, same host calls. The entrypoint (edge v1: no parameters) calls
// one of the generated functions and reports its result through a host call; half the modules
// also get a start function that changes a global and memory, so its move is covered too.

import { expect, test } from "bun:test";
import { prepareModule, type PrepareResult } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat.ts";
import { run } from "./differential.ts";
import { budgetInterrupt, Deadline, instantiateOriginal, instantiatePrepared } from "./harness.ts";
import { fuzzSeed, Prng } from "./prng.ts";
import { randomModule } from "./random-module.ts";

const SEED = fuzzSeed(0x5eed_0003);
const MODULES = Number(process.env.PIPELINE_FUZZ_MODULES ?? 150);
const I32_ARGS = [0, 1, -1, 7, 123456789, -2147483648];
const I64_ARGS = [0n, 1n, -1n, 9007199254740993n, -(2n ** 63n)];
const CALLS = 4;
const START = `
  (func $start
    (global.set $g32 (i32.add (global.get $g32) (i32.const 5)))
    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1))))
  (start $start)`;

/** `(func (export "run") ...)`: calls `name` with constant arguments, reports the result by response_status. */
function entryFunc(name: string, params: readonly string[], result: string, rng: Prng): string {
  const args = params
    .map((p) => (p === "i32" ? `(i32.const ${rng.pick(I32_ARGS)})` : `(i64.const ${rng.pick(I64_ARGS)})`))
    .join(" ");
  const call = `(call $${name} ${args})`;
  return `\n  (func (export "run") (call $status ${result === "i64" ? `(i32.wrap_i64 ${call})` : call}))`;
}

type Ok = Extract<PrepareResult, { ok: true }>;

test(`random modules with the reset entry: each call on a restored instance is a call on a new one (seed ${SEED})`, () => {
  const failures: string[] = [];
  let reusable = 0;
  let compared = 0;
  for (let m = 0; m < MODULES; m++) {
    const rng = new Prng(SEED + m);
    const generated = randomModule(rng);
    const target = rng.pick(generated.exports);
    const resultType = /\(result (i32|i64)\)/.exec(
      generated.wat.slice(generated.wat.indexOf(`(func $${target.name} `)),
    )![1]!;
    const source = `${generated.wat.slice(0, -1)}${entryFunc(target.name, target.params, resultType, rng)}${rng.int(2) === 0 ? START : ""})`;
    const entry = { name: "run", params: [] as string[] };
    const original = wat(source);
    const result = prepareModule(
      original,
      { memoryPages: 4, entrypoint: entry.name },
      { resetEntry: true, keepAllExports: true },
    );
    if (!result.ok) throw new Error(`module ${m}: ${result.rejection.message}`);
    if (!result.reusable) continue;
    reusable++;
    const fuel = 37 + rng.int(200);
    let kept: Kept | null = null;
    for (let k = 0; k < CALLS; k++) {
      const args = entry.params.map((p, i) =>
        p === "i32" ? I32_ARGS[(k + i) % I32_ARGS.length] : I64_ARGS[(k * 2 + i) % I64_ARGS.length],
      );
      kept ??= keep(result, fuel);
      kept.restore();
      kept.log.length = 0;
      let outP: string;
      try {
        outP = run(() => (kept!.instance.exports[entry.name] as (...a: unknown[]) => unknown)(...args));
      } catch (e) {
        if (e instanceof Deadline) break; // ran out of fuel: nothing to compare
        throw e;
      }
      const logO: unknown[] = [];
      const outO = run(() => {
        const o = instantiateOriginal(original, result.memory, logO);
        return (o.exports[entry.name] as (...a: unknown[]) => unknown)(...args);
      });
      if (outP === "trap:RangeError" || outO === "trap:RangeError") break; // engine resources
      if (outP !== outO || JSON.stringify(kept.log, big) !== JSON.stringify(logO, big)) {
        failures.push(
          `module ${m} call ${k} (PIPELINE_FUZZ_SEED=${SEED}): prepared ${outP}, original ${outO}\n${source}`,
        );
        break;
      }
      compared++;
      // The runner drops an instance whose run did not end ok, or whose memory grew.
      if (!outP.startsWith("value:") || kept.grown()) kept = null;
    }
  }
  expect(failures).toEqual([]);
  expect(reusable).toBeGreaterThan(MODULES * 0.5);
  expect(compared).toBeGreaterThan(reusable * 2);
}, 60_000);

interface Kept {
  instance: WebAssembly.Instance;
  log: unknown[];
  restore(): void;
  grown(): boolean;
}

/** A new prepared instance and the memory it had right after instantiation, as the runner keeps them. */
function keep(prepared: Ok, fuel: number): Kept {
  const log: unknown[] = [];
  const budget = budgetInterrupt(fuel, 5_000);
  const { instance, memory } = instantiatePrepared(prepared, budget.interrupt, log);
  const size = memory.buffer.byteLength;
  const image = new Uint8Array(memory.buffer).slice();
  return {
    instance,
    log,
    restore: () => new Uint8Array(memory.buffer).set(image),
    grown: () => memory.buffer.byteLength !== size,
  };
}

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `${value}n` : value;
}
