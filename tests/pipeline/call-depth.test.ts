// The injected call-depth counter: every function that may recur takes a frame on entry and
// must give it back on every way out, or repeated calls would run the counter down and stop a
// guest that never nests deep. Each exit path is exercised many more times than
// MAX_CALL_DEPTH, so one path that forgets its frame fails the test. Which functions may recur
// is decided on the call graph (call-graph.ts), checked here too.

import { describe, expect, test } from "bun:test";
import { MAX_CALL_DEPTH } from "../../core/abi/edge-v1.ts";
import { recursiveFunctions } from "../../core/pipeline/call-graph.ts";
import { readModuleInfo } from "../../core/pipeline/module-info.ts";
import { splitSections } from "../../core/pipeline/sections.ts";
import { wat } from "../fixtures/wat.ts";
import { compareRuns } from "./differential.ts";
import { instantiatePrepared, prepareOk, TooDeep } from "./harness.ts";

/** A stack_overflow import that counts its calls before it throws, as the runner's does. */
function overflowHost(): { stackOverflow: () => number; calls: () => number } {
  let calls = 0;
  return {
    stackOverflow: () => {
      calls++;
      throw new TooDeep();
    },
    calls: () => calls,
  };
}

const RECURSE = `
  (func $down (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
      (else (i32.const 0))))
  (func (export "handle"))
  (func (export "down") (param i32) (result i32) (call $down (local.get 0)))`;

describe("call depth", () => {
  test("recursion stops one frame past MAX_CALL_DEPTH, with the host told the depth ran out", () => {
    const host = overflowHost();
    const { instance } = instantiatePrepared(prepareOk(wat(`(module ${RECURSE})`)), undefined, [], host.stackOverflow);
    const down = instance.exports.down as (n: number) => number;
    // Only $down can recur, so only its frames count: $down(n) is n + 1 of them.
    expect(down(MAX_CALL_DEPTH - 1)).toBe(MAX_CALL_DEPTH - 1);
    expect(() => down(MAX_CALL_DEPTH)).toThrow(TooDeep);
    expect(host.calls()).toBe(1);
  });

  test("frames are given back: the same deep recursion runs again and again in one instance", () => {
    const { instance } = instantiatePrepared(prepareOk(wat(`(module ${RECURSE})`)));
    const down = instance.exports.down as (n: number) => number;
    for (let i = 0; i < 50; i++) expect(down(MAX_CALL_DEPTH - 1)).toBe(MAX_CALL_DEPTH - 1);
  });

  // Each function recurs once (so it is counted) and leaves in its own way.
  const EXITS = `
    (type $pair (func (param i32) (result i32 i64)))
    (type $one (func (param i32) (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $viaTailIndirect $viaBr)
    (func $viaReturn (param i32) (result i32)
      (if (local.get 0) (then (drop (call $viaReturn (i32.const 0)))))
      (if (local.get 0) (then (return (i32.const 7))))
      (i32.const 8))
    (func $viaBr (param i32) (result i32)
      (if (local.get 0) (then (drop (call $viaBr (i32.const 0)))))
      (br 0 (i32.const 9)))
    (func $viaBrIf (param i32) (result i32)
      (if (local.get 0) (then (drop (call $viaBrIf (i32.const 0)))))
      (drop (br_if 0 (i32.const 10) (local.get 0)))
      (i32.const 11))
    (func $viaBrTable (param i32) (result i32)
      (if (local.get 0) (then (drop (call $viaBrTable (i32.const 0)))))
      (block $inner (result i32)
        (br_table $inner 1 (i32.const 12) (i32.and (local.get 0) (i32.const 1))))
      (i32.add (i32.const 1)))
    (func $viaTail (param i32) (result i32)
      (if (local.get 0) (then (drop (call $viaTail (i32.const 0)))))
      (if (local.get 0) (then (return_call $viaTail (i32.const 0))))
      (i32.const 13))
    (func $viaTailIndirect (param i32) (result i32)
      (if (local.get 0) (then (drop (call_indirect (type $one) (i32.const 0) (i32.const 0)))))
      (if (local.get 0) (then (return_call_indirect (type $one) (i32.const 0) (i32.const 1))))
      (i32.const 14))
    (func $multi (type $pair) (param i32) (result i32 i64)
      (if (local.get 0) (then (drop (drop (call $multi (i32.const 0))))))
      (if (local.get 0) (then (br 1 (i32.const 15) (i64.const 16))))
      (i32.const 17) (i64.const 18))
    (func $unreachableEnd (param i32) (result i32)
      (if (local.get 0) (then (drop (call $unreachableEnd (i32.const 0)))))
      (return (i32.const 19))
      (unreachable))
    (func (export "handle"))
    (func (export "all") (param $n i32) (result i64)
      (local $sum i64) (local $wide i64) (local $narrow i32)
      (loop $again
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (i32.add
          (i32.add (i32.add (call $viaReturn (local.get $n)) (call $viaBr (local.get $n)))
                   (i32.add (call $viaBrIf (local.get $n)) (call $viaBrTable (local.get $n))))
          (i32.add (i32.add (call $viaTail (local.get $n)) (call $viaTailIndirect (local.get $n)))
                   (call $unreachableEnd (local.get $n)))))))
        (call $multi (local.get $n))
        (local.set $wide)
        (local.set $narrow)
        (local.set $sum (i64.add (local.get $sum) (i64.add (local.get $wide) (i64.extend_i32_u (local.get $narrow)))))
        (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $sum))`;

  test("every way out gives the frame back: return, br and br_if and br_table to the function, tail calls, multi-value", () => {
    const bytes = wat(`(module ${EXITS})`);
    const prepared = prepareOk(bytes);
    const host = overflowHost();
    const { instance } = instantiatePrepared(prepared, undefined, [], host.stackOverflow);
    const all = instance.exports.all as (n: number) => bigint;
    // Every function of the module is counted.
    expect([...recursiveFunctions(readModuleInfo(bytes, splitSections(bytes)))]).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1, 0, 0,
    ]);
    // 4x MAX_CALL_DEPTH rounds, 16 counted calls each: any exit that kept its frame would run out.
    const rounds = 4 * MAX_CALL_DEPTH;
    const first = all(rounds);
    expect(host.calls()).toBe(0);
    // And the answers are the original module's.
    expect(
      compareRuns(
        bytes,
        prepared,
        () => [
          { name: "all", args: [rounds] },
          { name: "all", args: [1] },
        ],
        1_000_000,
        1_000,
      ).kind,
    ).toBe("same");
    expect(typeof first).toBe("bigint");
  });

  test("calls to the host, to functions that call nothing and along chains without cycles are not counted", () => {
    const bytes = wat(`(module
      (import "edge" "time_now_ms" (func $now (result f64)))
      (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func (export "handle"))
      (func (export "spin") (param $n i32) (result i32)
        (local $acc i32)
        (loop $l
          (drop (call $now))
          (local.set $acc (call $leaf (local.get $acc)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $acc)))`);
    const host = overflowHost();
    const { instance } = instantiatePrepared(prepareOk(bytes), undefined, [], host.stackOverflow);
    expect((instance.exports.spin as (n: number) => number)(3 * MAX_CALL_DEPTH)).toBe(3 * MAX_CALL_DEPTH);
    expect(host.calls()).toBe(0);

    // A chain of 6,000 distinct functions is deeper than the limit but cannot recur.
    const chain = Array.from({ length: 6_000 }, (_, i) =>
      i < 5_999
        ? `(func $c${i} (param i32) (result i32) (i32.add (i32.const 1) (call $c${i + 1} (local.get 0))))`
        : `(func $c${i} (param i32) (result i32) (local.get 0))`,
    );
    const chained = instantiatePrepared(
      prepareOk(wat(`(module (func (export "handle")) ${chain.join(" ")} (export "go" (func $c0)))`)),
      undefined,
      [],
      host.stackOverflow,
    );
    expect((chained.instance.exports.go as (n: number) => number)(1)).toBe(6_000);
    expect(host.calls()).toBe(0);
  });

  test("the call graph: self and mutual recursion, and cycles through tables, are found; the rest is not", () => {
    const bytes = wat(`(module
      (type $t (func))
      (table 2 funcref)
      (elem (i32.const 0) $inTable $indirectCaller)
      (func $self (call $self))                                  ;; 0: recursive
      (func $ping (call $pong))                                  ;; 1: mutual
      (func $pong (call $ping))                                  ;; 2: mutual
      (func $leaf)                                               ;; 3
      (func $callsLeaf (call $leaf))                             ;; 4
      (func $indirectCaller (call_indirect (type $t) (i32.const 0)))  ;; 5: in a table, calls through it
      (func $inTable (call $callsLeaf))                          ;; 6: in a table, never calls through it
      (func $notInTable (call_indirect (type $t) (i32.const 1)))      ;; 7: calls through it, not in it
      (func $tail (return_call $tail))                           ;; 8: tail calls count as edges
      (func (export "handle")))`);
    expect([...recursiveFunctions(readModuleInfo(bytes, splitSections(bytes)))]).toEqual([
      1, 1, 1, 0, 0, 1, 0, 0, 1, 0,
    ]);
  });

  test("mutual recursion through call_indirect is stopped too", () => {
    const host = overflowHost();
    const { instance } = instantiatePrepared(
      prepareOk(
        wat(`(module
        (type $t (func (param i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) $a $b)
        (func $a (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 1)))
        (func $b (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
        (func (export "handle"))
        (func (export "go") (result i32) (call $a (i32.const 0))))`),
      ),
      undefined,
      [],
      host.stackOverflow,
    );
    expect(() => (instance.exports.go as () => number)()).toThrow(TooDeep);
    expect(host.calls()).toBe(1);
  });
});
