// Property: for random valid modules, the prepared module computes exactly what the original
// does, including with an interrupt that fires every few hundred checks.

import { expect, test } from "bun:test";
import { wat } from "../fixtures/wat.ts";
import { compareRuns, type Call } from "./differential.ts";
import { prepareOk } from "./harness.ts";
import { fuzzSeed, Prng } from "./prng.ts";
import { randomModule } from "./random-module.ts";

const SEED = fuzzSeed(0x5eed_0001);
const MODULES = Number(process.env.PIPELINE_FUZZ_MODULES ?? 150);
const I32_ARGS = [0, 1, -1, 7, 123456789, -2147483648];
const I64_ARGS = [0n, 1n, -1n, 9007199254740993n, -(2n ** 63n)];

test(`random valid modules behave the same after preparation (seed ${SEED})`, () => {
  const failures: string[] = [];
  let compared = 0;
  let values = 0;
  let inconclusive = 0;
  for (let m = 0; m < MODULES; m++) {
    const rng = new Prng(SEED + m);
    const generated = randomModule(rng);
    const original = wat(generated.wat);
    const prepared = prepareOk(original, { memoryPages: 4, entrypoint: "handle" });
    const calls = (): Call[] =>
      generated.exports.flatMap((e) =>
        [0, 1, 2].map((k) => ({
          name: e.name,
          args: e.params.map((p, i) =>
            p === "i32" ? I32_ARGS[(k + i) % I32_ARGS.length] : I64_ARGS[(k * 2 + i) % I64_ARGS.length],
          ),
        })),
      );
    // A small fuel grant makes the interrupt path run often in the middle of the computation.
    const verdict = compareRuns(original, prepared, calls, 37 + rng.int(200), 5_000);
    if (verdict.kind === "differs")
      failures.push(`module ${m} (PIPELINE_FUZZ_SEED=${SEED}, index ${m}): ${verdict.detail}\n${generated.wat}`);
    else if (verdict.kind === "inconclusive") inconclusive++;
    compared += verdict.kind === "differs" ? 0 : verdict.compared;
    values += verdict.kind === "same" ? 1 : 0;
  }
  expect(failures).toEqual([]);
  // The generator must produce modules that mostly run to completion, or the property says little.
  expect(values).toBeGreaterThan(MODULES * 0.7);
  expect(compared).toBeGreaterThan(MODULES * 5);
  expect(inconclusive).toBeLessThan(MODULES * 0.3);
}, 60_000);
