// The injected call-depth counter: every function that calls guest functions takes a frame on
// entry and must give it back on every way out, or repeated calls would run the counter down
// and stop a guest that never nests deep. Each exit path is exercised many more times than
// MAX_CALL_DEPTH, so one path that forgets its frame fails the test.

import { describe, expect, test } from "bun:test";
import { MAX_CALL_DEPTH } from "../../runner/abi/edge-v1.ts";
import { wat } from "../fixtures/wat.ts";
import { compareRuns } from "./differential.ts";
import { instantiatePrepared, prepareOk } from "./harness.ts";

class TooDeep extends Error {}

/** A host like the runner's: stops on a negative depth, refuels otherwise; records what it saw. */
function depthHost(): { interrupt: (depthLeft: number) => number; seen: number[] } {
  const seen: number[] = [];
  return {
    seen,
    interrupt: (depthLeft: number) => {
      seen.push(depthLeft);
      if (depthLeft < 0) throw new TooDeep();
      return 1_000_000;
    },
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
    const host = depthHost();
    const { instance } = instantiatePrepared(prepareOk(wat(`(module ${RECURSE})`)), host.interrupt);
    const down = instance.exports.down as (n: number) => number;
    // `down` itself is a frame, $down(n) calls n more times: n + 1 nesting frames, the leaf call
    // $down(0) included because $down's body has a call.
    expect(down(MAX_CALL_DEPTH - 2)).toBe(MAX_CALL_DEPTH - 2);
    expect(() => down(MAX_CALL_DEPTH - 1)).toThrow(TooDeep);
    expect(host.seen.filter((d) => d < 0)).toEqual([-1]);
  });

  test("frames are given back: the same deep recursion runs again and again in one instance", () => {
    const { instance } = instantiatePrepared(prepareOk(wat(`(module ${RECURSE})`)), depthHost().interrupt);
    const down = instance.exports.down as (n: number) => number;
    for (let i = 0; i < 50; i++) expect(down(MAX_CALL_DEPTH - 2)).toBe(MAX_CALL_DEPTH - 2);
  });

  const EXITS = `
    (type $pair (func (param i32) (result i32 i64)))
    (table 2 funcref)
    (elem (i32.const 0) $leaf $viaBr)
    (func $leaf (param i32) (result i32) (local.get 0))
    ;; Each of these calls a guest function (so it counts) and leaves in its own way.
    (func $viaReturn (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
      (if (local.get 0) (then (return (i32.const 7))))
      (i32.const 8))
    (func $viaBr (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
      (br 0 (i32.const 9)))
    (func $viaBrIf (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
      (drop (br_if 0 (i32.const 10) (local.get 0)))
      (i32.const 11))
    (func $viaBrTable (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
      (block $inner (result i32)
        (br_table $inner 1 (i32.const 12) (i32.and (local.get 0) (i32.const 1))))
      (i32.add (i32.const 1)))
    (func $viaTail (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
      (return_call $leaf (i32.const 13)))
    (func $viaTailIndirect (param i32) (result i32)
      (drop (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0)))
      (return_call_indirect (param i32) (result i32) (i32.const 14) (i32.const 1)))
    (func $multi (type $pair) (param i32) (result i32 i64)
      (drop (call $leaf (local.get 0)))
      (if (local.get 0) (then (br 1 (i32.const 15) (i64.const 16))))
      (i32.const 17) (i64.const 18))
    (func $unreachableEnd (param i32) (result i32)
      (drop (call $leaf (local.get 0)))
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
    const host = depthHost();
    const { instance } = instantiatePrepared(prepared, host.interrupt);
    const all = instance.exports.all as (n: number) => bigint;
    // 4x MAX_CALL_DEPTH rounds, 8 counted calls each: any exit that kept its frame would run out.
    const rounds = 4 * MAX_CALL_DEPTH;
    const first = all(rounds);
    expect(host.seen.filter((d) => d < 0)).toEqual([]);
    // And the answers are the original module's.
    expect(compareRuns(bytes, prepared, () => [{ name: "all", args: [rounds] }, { name: "all", args: [1] }]).kind).toBe("same");
    expect(typeof first).toBe("bigint");
  });

  test("calls to the host and to functions that call nothing are not counted", () => {
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
    const host = depthHost();
    const { instance } = instantiatePrepared(prepareOk(bytes), host.interrupt);
    expect((instance.exports.spin as (n: number) => number)(3 * MAX_CALL_DEPTH)).toBe(3 * MAX_CALL_DEPTH);
    expect(host.seen.filter((d) => d < 0)).toEqual([]);
  });

  test("mutual recursion through call_indirect is stopped too", () => {
    const host = depthHost();
    const { instance } = instantiatePrepared(
      prepareOk(wat(`(module
        (type $t (func (param i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) $a $b)
        (func $a (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 1)))
        (func $b (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
        (func (export "handle"))
        (func (export "go") (result i32) (call $a (i32.const 0))))`)),
      host.interrupt,
    );
    expect(() => (instance.exports.go as () => number)()).toThrow(TooDeep);
    expect(host.seen.at(-1)).toBe(-1);
  });
});
