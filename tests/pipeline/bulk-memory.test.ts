// memory.fill and memory.copy are rewritten into calls of helpers that work in chunks and spend
// fuel by length (core/pipeline/bulk-helpers.ts): the same results as the engine's ops, and a
// deadline that stops a long one partway instead of after it.

import { describe, expect, test } from "bun:test";
import { BULK_CHUNK } from "../../core/pipeline/bulk-helpers.ts";
import { wat } from "../fixtures/wat.ts";
import { budgetInterrupt, Deadline, instantiateOriginal, instantiatePrepared, outcome, prepareOk } from "./harness.ts";
import { Prng } from "./prng.ts";
import { readModuleInfo } from "../../core/pipeline/module-info.ts";
import { splitSections } from "../../core/pipeline/sections.ts";

const PAGES = 64; // 4 MiB: room for several chunks
const SIZE = PAGES * 65536;
const LIMITS = { memoryPages: PAGES, entrypoint: "handle" };
const OPS = wat(`(module (memory ${PAGES} ${PAGES})
  (func (export "handle"))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2))))`);

describe("bulk memory", () => {
  test("fill and copy do what the engine's ops do: in range, past the end (trap, nothing written), overlapping both ways, empty, across chunks", () => {
    const prepared = prepareOk(OPS, LIMITS);
    const mine = instantiatePrepared(prepared);
    const theirs = instantiateOriginal(OPS, prepared.memory);
    const myMemory = () => new Uint8Array(mine.memory.buffer);

    const prng = new Prng(20261128);
    const lengths = [0, 1, 255, 4096, BULK_CHUNK - 1, BULK_CHUNK, BULK_CHUNK + 1, 2 * BULK_CHUNK + 17, SIZE];
    const starts = () =>
      prng.pick([0, 1, 4095, BULK_CHUNK - 3, SIZE - BULK_CHUNK, SIZE - 1, SIZE, SIZE + 1, 0xffffffff, prng.int(SIZE)]);
    // A shadow of the memory in JS, to check the prepared module against the spec's results.
    const shadow = new Uint8Array(SIZE);
    let traps = 0;
    for (let i = 0; i < 300; i++) {
      const n = prng.chance(0.3) ? prng.int(3 * BULK_CHUNK) : prng.pick(lengths);
      const d = starts();
      if (prng.chance(0.5)) {
        const v = prng.int(256);
        const got = outcome(mine.instance, "fill", [d, v, n]);
        const want = outcome(theirs, "fill", [d, v, n]);
        expect(got).toEqual(want);
        if ("trap" in want) traps++;
        else shadow.fill(v, d, d + n);
      } else {
        const s = prng.chance(0.5) ? starts() : Math.max(0, Math.min(SIZE, d + prng.int(2 * BULK_CHUNK) - BULK_CHUNK));
        const got = outcome(mine.instance, "copy", [d, s, n]);
        const want = outcome(theirs, "copy", [d, s, n]);
        expect(got).toEqual(want);
        if ("trap" in want) traps++;
        else shadow.copyWithin(d, s, s + n);
      }
      if (Buffer.compare(myMemory(), shadow) !== 0) throw new Error(`memory differs after operation ${i}`);
    }
    expect(traps).toBeGreaterThan(20);
    expect(traps).toBeLessThan(280);
  });

  test("a long fill asks the host as its fuel runs out, and a deadline stops it partway", () => {
    const prepared = prepareOk(OPS, LIMITS);
    // 4 chunks of 4,097 fuel each against the initial 10,000: the host is asked before the third.
    const stopped = instantiatePrepared(prepared, budgetInterrupt(10_000, 0).interrupt);
    expect(() => (stopped.instance.exports.fill as (d: number, v: number, n: number) => void)(0, 0xff, SIZE)).toThrow(
      Deadline,
    );
    const partly = new Uint8Array(stopped.memory.buffer);
    expect([partly[0], partly[2 * BULK_CHUNK - 1], partly[2 * BULK_CHUNK], partly[SIZE - 1]]).toEqual([
      0xff, 0xff, 0, 0,
    ]);

    const budget = budgetInterrupt(10_000, 100);
    const done = instantiatePrepared(prepared, budget.interrupt);
    (done.instance.exports.fill as (d: number, v: number, n: number) => void)(0, 0xff, SIZE);
    expect(budget.calls()).toBe(1);
    expect(new Uint8Array(done.memory.buffer).every((b) => b === 0xff)).toBe(true);
  });

  test("a long overlapping copy upwards goes from the end down, and a deadline stops it partway", () => {
    const prepared = prepareOk(OPS, LIMITS);
    const stopped = instantiatePrepared(prepared, budgetInterrupt(10_000, 0).interrupt);
    const bytes = new Uint8Array(stopped.memory.buffer);
    const regions = () => [0, 1, 2, 3].map((k) => bytes[k * BULK_CHUNK]);
    for (const k of [0, 1, 2]) bytes.fill(k + 1, k * BULK_CHUNK, (k + 1) * BULK_CHUNK);
    // memmove of regions 0-2 onto 1-3, three chunks: the host is asked before the third.
    expect(() =>
      (stopped.instance.exports.copy as (d: number, s: number, n: number) => void)(BULK_CHUNK, 0, 3 * BULK_CHUNK),
    ).toThrow(Deadline);
    // Regions 3 and 2 were copied (from 2 and 1, in that order), region 1 not: [1, 1, 2, 3] had it finished.
    expect(regions()).toEqual([1, 2, 2, 3]);
  });

  test("small fills in straight-line code spend fuel like a loop: a run of them is stopped too", () => {
    // 50 fills of 64 KiB, 257 fuel each: the initial 10,000 runs out at the 39th.
    const fills = Array.from(
      { length: 50 },
      (_, i) => `(memory.fill (i32.const ${i * 65536}) (i32.const 1) (i32.const 65536))`,
    ).join("\n");
    const prepared = prepareOk(wat(`(module (memory ${PAGES} ${PAGES}) (func (export "handle") ${fills}))`), LIMITS);
    const stopped = instantiatePrepared(prepared, budgetInterrupt(10_000, 0).interrupt);
    expect(() => (stopped.instance.exports.handle as () => void)()).toThrow(Deadline);
    const bytes = new Uint8Array(stopped.memory.buffer);
    expect([bytes[37 * 65536], bytes[38 * 65536], bytes[49 * 65536]]).toEqual([1, 0, 0]);

    const budget = budgetInterrupt(10_000, 100);
    const done = instantiatePrepared(prepared, budget.interrupt);
    (done.instance.exports.handle as () => void)();
    expect(budget.calls()).toBe(1);
    expect(new Uint8Array(done.memory.buffer)[49 * 65536 + 65535]).toBe(1);
  });

  test("helpers are added only for the ops a module uses; memory.init still asks the host after each", () => {
    const defined = (bytes: Uint8Array) => readModuleInfo(bytes, splitSections(bytes)).funcTypes.length;
    expect(defined(prepareOk(OPS, LIMITS).bytes)).toBe(3 + 2);
    expect(
      defined(
        prepareOk(
          wat(`(module (memory 1) (func (export "handle") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))))`),
        ).bytes,
      ),
    ).toBe(1 + 1);
    expect(
      defined(prepareOk(wat(`(module (memory 1) (func (export "handle") (drop (i32.load (i32.const 0)))))`)).bytes),
    ).toBe(1);

    const init = prepareOk(
      wat(`(module (memory 1) (data $d "abc")
      (func (export "handle") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 3)) (memory.init $d (i32.const 8) (i32.const 0) (i32.const 3))))`),
    );
    const budget = budgetInterrupt(10_000, 100);
    const { instance, memory } = instantiatePrepared(init, budget.interrupt);
    (instance.exports.handle as () => void)();
    expect(budget.calls()).toBe(2);
    expect([...new Uint8Array(memory.buffer, 8, 3)]).toEqual([97, 98, 99]);
  });
});
