// Injected fuel checks let the host stop code that never returns: loops, recursion, tail
// calls and the start function all pass a check.

import { describe, expect, test } from "bun:test";
import { FUEL_INITIAL } from "../../core/abi/edge-v1.ts";
import { fixture } from "../fixtures/pipeline/corpus.ts";
import { wat } from "../fixtures/wat.ts";
import { compareRuns } from "./differential.ts";
import { budgetInterrupt, Deadline, guardChecks, instantiatePrepared, prepareOk } from "./harness.ts";

/** An interrupt that throws once `ms` have passed. */
function wallClock(ms: number): () => number {
  const deadline = performance.now() + ms;
  return () => {
    if (performance.now() > deadline) throw new Deadline();
    return 10_000;
  };
}

describe("interruption", () => {
  test("an infinite loop in an exported function stops at the deadline", () => {
    const bytes = wat(`(module (func (export "handle") (loop $l (br $l))))`);
    const prepared = prepareOk(bytes);
    guardChecks(prepared.bytes, 2);
    const { instance } = instantiatePrepared(prepared, wallClock(50));
    const t0 = performance.now();
    expect(() => (instance.exports.handle as () => void)()).toThrow(Deadline);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  test("an infinite loop in the start function stops instantiation", () => {
    const bytes = wat(`(module (func $s (loop $l (br $l))) (start $s) (func (export "handle")))`);
    const prepared = prepareOk(bytes);
    guardChecks(prepared.bytes, 2); // $s: entry and loop; the empty handle has neither loop nor call, so no check
    expect(() => instantiatePrepared(prepared, wallClock(50))).toThrow(Deadline);
  });

  test("recursion without loops hits the entry checks", () => {
    const bytes = wat(`(module
      (func $down (param i32) (result i32)
        (if (result i32) (local.get 0)
          (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
          (else (i32.const 0))))
      (func (export "handle"))
      (func (export "down") (param i32) (result i32) (call $down (local.get 0))))`);
    const budget = budgetInterrupt(100, 1_000);
    const { instance } = instantiatePrepared(prepareOk(bytes), budget.interrupt);
    const down = instance.exports.down as (n: number) => number;
    expect(down(3_000)).toBe(3_000);
    // 3_002 entry checks (the export and 3_001 calls) stay under FUEL_INITIAL.
    expect(budget.calls()).toBe(0);
    for (let i = 0; i < 3; i++) expect(down(3_000)).toBe(3_000);
    // Fuel carries over between calls: 12_008 checks, the first interrupt at FUEL_INITIAL, then one per 100.
    expect(budget.calls()).toBe(1 + Math.floor((4 * 3_002 - FUEL_INITIAL) / 100));
    const stopped = instantiatePrepared(prepareOk(bytes), budgetInterrupt(100, 5).interrupt).instance;
    expect(() => {
      for (;;) (stopped.exports.down as (n: number) => number)(1_000);
    }).toThrow(Deadline);
  });

  test("endless tail calls (no loop, no stack growth) are stopped", () => {
    const bytes = wat(`(module
      (func $ping (param i32) (result i32) (return_call $pong (i32.add (local.get 0) (i32.const 1))))
      (func $pong (param i32) (result i32) (return_call $ping (local.get 0)))
      (func (export "handle") (drop (call $ping (i32.const 0)))))`);
    const prepared = prepareOk(bytes);
    guardChecks(prepared.bytes, 3);
    const { instance } = instantiatePrepared(prepared, budgetInterrupt(10_000, 100).interrupt);
    expect(() => (instance.exports.handle as () => void)()).toThrow(Deadline);
  });

  test("fuel: the first interrupt comes after FUEL_INITIAL checks, then after what it returned", () => {
    // One entry check plus one check per loop iteration.
    const bytes = wat(`(module (func (export "handle"))
      (func (export "spin") (param $n i32)
        (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))`);
    const budget = budgetInterrupt(7_000, 1_000);
    const { instance } = instantiatePrepared(prepareOk(bytes), budget.interrupt);
    (instance.exports.spin as (n: number) => void)(30_000);
    // 30_001 checks: at 10_000, 17_000, 24_000.
    expect(budget.calls()).toBe(3);
  });

  test("an interrupt answering 0 is asked again at the very next check", () => {
    const bytes = wat(`(module (func (export "handle"))
      (func (export "spin") (param $n i32)
        (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))`);
    const budget = budgetInterrupt(0, 1_000_000);
    const { instance } = instantiatePrepared(prepareOk(bytes), budget.interrupt);
    (instance.exports.spin as (n: number) => void)(FUEL_INITIAL + 500);
    // Checks FUEL_INITIAL .. FUEL_INITIAL + 501 each call it.
    expect(budget.calls()).toBe(502);
  });

  test("the checks leave loop parameters and results alone (multi-value blocks)", () => {
    const bytes = wat(`(module (func (export "handle"))
      (func (export "sum") (param $n i32) (result i32 i32)
        (i32.const 0) (local.get $n)
        (loop $l (param i32 i32) (result i32 i32)
          (local.set $n)
          (i32.add (local.get $n))
          (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $l (local.get $n)))))`);
    const { instance } = instantiatePrepared(prepareOk(bytes), () => 3);
    expect((instance.exports.sum as (n: number) => number[])(100)).toEqual([5050, 0]);
  });
});

describe("checks change nothing else", () => {
  test("the loops fixture computes the same with an interrupt firing every 7 checks", () => {
    const original = fixture("loops");
    const calls = [
      { name: "handle", args: [] },
      { name: "fib", args: [15] },
      { name: "xorshift", args: [100_000] },
      { name: "nested", args: [] },
      { name: "is_even", args: [10_001] },
      { name: "calls", args: [] },
      { name: "divide", args: [7, 0] },
      { name: "divide", args: [-7, 2] },
    ];
    const verdict = compareRuns(original, prepareOk(original), () => calls, 7, 1_000_000);
    expect(verdict).toEqual({ kind: "same", compared: calls.length + 1 });
  });
});

describe("where checks go", () => {
  test("bodies with a loop or a call get an entry check; bodies with neither (bounded on their own) do not", () => {
    const bytes = wat(`(module
      (type $t (func))
      (table 1 funcref)
      (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $caller (drop (call $leaf (i32.const 1))))
      (func $indirect (call_indirect (type $t) (i32.const 0)))
      (func $tail (return_call $caller))
      (func $looper (loop $l))
      (func (export "handle")))`);
    // entries of $caller, $indirect, $tail, $looper, plus $looper's loop header: 5; none in $leaf or handle.
    const prepared = prepareOk(bytes);
    guardChecks(prepared.bytes, 5);
    expect(() => guardChecks(prepared.bytes, 6)).toThrow();
  });
});
