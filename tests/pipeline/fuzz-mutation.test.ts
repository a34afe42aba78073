// Mutated fixtures (bit flips, byte changes, truncations, insertions, deletions): the
// pipeline never throws and never fails internally; it rejects with a code and a message, or
// returns bytes the engine validates; and where the original still runs, the prepared module
// computes the same.

import { expect, test } from "bun:test";
import { prepareModule, type PipelineLimits } from "../../core/pipeline/index.ts";
import { FIXTURES, fixture } from "../fixtures/pipeline/corpus.ts";
import { wat } from "../fixtures/wat.ts";
import { compareRuns } from "./differential.ts";
import { guardChecks, prepareOk } from "./harness.ts";
import { fuzzSeed, Prng } from "./prng.ts";
import { randomModule } from "./random-module.ts";

const SEED = fuzzSeed(0x5eed_0002);
const CASES = Number(process.env.PIPELINE_FUZZ_CASES ?? 5000);
// The widest cap makes clamping a no-op, so memory.grow behaves the same in the original.
const COMPARE_LIMITS: PipelineLimits = { memoryPages: 65536, entrypoint: "handle" };
const CAPPED_LIMITS: PipelineLimits = { memoryPages: 16, entrypoint: "handle" };

function corpus(): Uint8Array[] {
  const seeds = new Prng(SEED);
  return [...FIXTURES.map(fixture), ...Array.from({ length: 4 }, () => wat(randomModule(seeds).wat))];
}

function mutate(rng: Prng, input: Uint8Array): Uint8Array {
  let bytes = [...input];
  for (let n = rng.chance(0.6) ? 1 : 2 + rng.int(2); n > 0; n--) {
    // Mostly past the header, where the interesting structure is.
    const at = 8 + rng.int(Math.max(1, bytes.length - 8));
    // Weighted towards in-place changes, which keep the framing and so reach the deeper checks.
    switch (rng.pick([0, 0, 0, 0, 1, 1, 1, 2, 3, 4, 5])) {
      case 0:
        bytes[at] ^= 1 << rng.int(8);
        break;
      case 1:
        bytes[at] = rng.pick([0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff, 0xfb, 0xfc, 0xfd, 0xfe, rng.int(256)]);
        break;
      case 2:
        bytes = bytes.slice(0, at);
        break;
      case 3:
        bytes.splice(at, 0, ...Array.from({ length: 1 + rng.int(4) }, () => rng.int(256)));
        break;
      case 4:
        bytes.splice(at, 1 + rng.int(8));
        break;
      default: {
        const len = 1 + rng.int(16);
        bytes.splice(rng.int(bytes.length), 0, ...bytes.slice(at, at + len));
      }
    }
  }
  return new Uint8Array(bytes);
}

test(`mutated modules never break the pipeline (seed ${SEED}, ${CASES} cases)`, () => {
  // Mutated modules may loop forever: only the injected checks let them be stopped.
  guardChecks(prepareOk(wat(`(module (func (export "handle") (loop $l (br $l))))`)).bytes, 2);
  const rng = new Prng(SEED);
  const inputs = corpus();
  const failures: string[] = [];
  const codes: Record<string, number> = {};
  let behaviourCompared = 0;
  for (let i = 0; i < CASES; i++) {
    const mutated = mutate(rng, rng.pick(inputs));
    const limits = i % 2 === 0 ? COMPARE_LIMITS : CAPPED_LIMITS;
    const where = `case ${i} (PIPELINE_FUZZ_SEED=${SEED})`;
    let result: ReturnType<typeof prepareModule>;
    try {
      result = prepareModule(mutated, limits);
    } catch (e) {
      failures.push(`${where}: threw ${String(e)}`);
      continue;
    }
    const code = result.ok ? "ok" : result.rejection.code;
    codes[code] = (codes[code] ?? 0) + 1;
    if (!result.ok) {
      if (code === "internal") failures.push(`${where}: internal: ${result.rejection.message}`);
      if (result.rejection.message.length < 20 || result.rejection.message.includes("\n"))
        failures.push(`${where}: poor message`);
      continue;
    }
    if (!WebAssembly.validate(result.bytes)) {
      failures.push(`${where}: prepared bytes do not validate`);
      continue;
    }
    if (limits !== COMPARE_LIMITS || result.memory.minPages > 64) continue;
    const verdict = compareRuns(mutated, result, (exports) =>
      Object.entries(exports)
        .filter(([, v]) => typeof v === "function")
        .map(([name, fn]) => ({ name, args: new Array((fn as () => unknown).length).fill(3) })),
    );
    if (verdict.kind === "differs") failures.push(`${where}: ${verdict.detail}`);
    else behaviourCompared++;
  }
  expect(failures).toEqual([]);
  // The mutations must reach both sides: rejections of several kinds and accepted modules that run.
  expect(codes.ok ?? 0).toBeGreaterThan(CASES * 0.05);
  expect(Object.keys(codes).length).toBeGreaterThan(5);
  expect(behaviourCompared).toBeGreaterThan(CASES * 0.02);
}, 60_000);
