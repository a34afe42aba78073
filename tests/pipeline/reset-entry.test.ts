// The reset entry (core/pipeline/reset-entry.ts), added on request (resetEntry, as the runner
// asks): a reusable module's entrypoint export puts every global back and runs the start
// function before the guest's entrypoint, so a runner that restores memory can call it again as
// if on a new instance. Modules whose state a reset cannot restore (tables written, segments
// dropped) are left as they were, not reusable; so is every module when it is not requested.
import { describe, expect, test } from "bun:test";
import { prepareModule } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat.ts";
import { instantiateOriginal, instantiatePrepared, LIMITS } from "./harness.ts";

function prepare(src: string, keepAllExports = false) {
  const result = prepareModule(wat(src), LIMITS, { resetEntry: true, keepAllExports });
  if (!result.ok) throw new Error(`${result.rejection.code}: ${result.rejection.message}`);
  return result;
}

// handle writes what it sees of each global to memory 0..64, then changes every global.
const EVERY_TYPE = `(module
  (memory (export "memory") 1)
  (global $i (mut i32) (i32.const 7))
  (global $l (mut i64) (i64.const -5))
  (global $f (mut f32) (f32.const 1.5))
  (global $d (mut f64) (f64.const 2.25))
  (global $v (mut v128) (v128.const i32x4 1 2 3 4))
  (global $k i32 (i32.const 100))
  (global $x (mut i32) (i32.add (global.get $k) (i32.const 1)))
  (global $r (mut funcref) (ref.func $other))
  (global $e (mut externref) (ref.null extern))
  (func $other)
  (func (export "handle") (result i32)
    (i32.store (i32.const 0) (global.get $i))
    (i64.store (i32.const 8) (global.get $l))
    (f32.store (i32.const 16) (global.get $f))
    (f64.store (i32.const 24) (global.get $d))
    (v128.store (i32.const 32) (global.get $v))
    (i32.store (i32.const 48) (global.get $x))
    (i32.store (i32.const 52) (ref.is_null (global.get $r)))
    (global.set $i (i32.const 70))
    (global.set $l (i64.const 50))
    (global.set $f (f32.const 9))
    (global.set $d (f64.const 9))
    (global.set $v (v128.const i32x4 0 0 0 0))
    (global.set $x (i32.const 0))
    (global.set $r (ref.null func))
    (i32.const 42)))`;

const seen = (memory: WebAssembly.Memory) => [...new Uint8Array(memory.buffer, 0, 56)];

describe("reset entry", () => {
  test("every global is back at its initial value on each call, whatever its type; results pass through", () => {
    const prepared = prepare(EVERY_TYPE);
    expect(prepared.reusable).toBe(true);
    const { instance, memory } = instantiatePrepared(prepared);
    const handle = instance.exports.handle as () => number;
    expect(handle()).toBe(42);
    const first = seen(memory);
    for (let i = 0; i < 3; i++) {
      expect(handle()).toBe(42);
      expect(seen(memory)).toEqual(first);
    }
    expect(new Int32Array(memory.buffer, 0, 1)[0]).toBe(7);
    expect(new Int32Array(memory.buffer, 48, 2)[0]).toBe(101);
    expect(new Int32Array(memory.buffer, 52, 1)[0]).toBe(0);

    // The unprepared module on one instance does carry its globals over: the check can tell.
    const original = instantiateOriginal(wat(EVERY_TYPE), prepared.memory);
    (original.exports.handle as () => number)();
    (original.exports.handle as () => number)();
    const memoryOf = original.exports.memory as WebAssembly.Memory;
    expect(new Int32Array(memoryOf.buffer, 0, 1)[0]).toBe(70);
  });

  test("the start function runs on each call instead of at instantiation, after the globals are reset", () => {
    const prepared = prepare(`(module
      (memory 1)
      (data (i32.const 100) "seg")
      (global $g (mut i32) (i32.const 5))
      (func $init
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1))))
      (start $init)
      (func (export "handle") (result i32)
        (i32.add (i32.mul (global.get $g) (i32.const 1000)) (i32.load (i32.const 8)))))`);
    expect(prepared.reusable).toBe(true);
    const { instance, memory } = instantiatePrepared(prepared);
    // After instantiation memory holds the data segments alone: what a runner restores to.
    expect(new Int32Array(memory.buffer, 8, 1)[0]).toBe(0);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 100, 3))).toBe("seg");
    const handle = instance.exports.handle as () => number;
    expect(handle()).toBe(6001);
    // The global is reset by the entry; memory is the runner's to restore (here: not restored).
    expect(handle()).toBe(6002);
  });

  test.each([
    ["table.set", `(table 1 funcref) (func (export "handle") (call $bump) (table.set (i32.const 0) (ref.null func)))`],
    [
      "table.grow",
      `(table 1 funcref) (func (export "handle") (call $bump) (drop (table.grow (ref.null func) (i32.const 1))))`,
    ],
    [
      "table.fill",
      `(table 1 funcref) (func (export "handle") (call $bump) (table.fill (i32.const 0) (ref.null func) (i32.const 1)))`,
    ],
    [
      "table.copy",
      `(table 2 funcref) (func (export "handle") (call $bump) (table.copy (i32.const 0) (i32.const 1) (i32.const 1)))`,
    ],
    [
      "table.init",
      `(table 1 funcref) (elem $e func $f) (func $f) (func (export "handle") (call $bump) (table.init $e (i32.const 0) (i32.const 0) (i32.const 1)))`,
    ],
    ["elem.drop", `(elem $e func $f) (func $f) (func (export "handle") (call $bump) (elem.drop $e))`],
    ["data.drop", `(memory 1) (data $d "x") (func (export "handle") (call $bump) (data.drop $d))`],
  ])("a module that uses %s is not reusable: its entrypoint export is its own, and resets nothing", (_op, body) => {
    const src = `(module (global $n (mut i32) (i32.const 0))
      (func $bump (global.set $n (i32.add (global.get $n) (i32.const 1))))
      (func (export "n") (result i32) (global.get $n))
      ${body})`;
    const result = prepareModule(wat(src), LIMITS, { keepAllExports: true, resetEntry: true });
    if (!result.ok) throw new Error(result.rejection.message);
    expect(result.reusable).toBe(false);
    const { instance } = instantiatePrepared(result);
    (instance.exports.handle as () => void)();
    (instance.exports.handle as () => void)();
    expect((instance.exports.n as () => number)()).toBe(2);
  });

  test("an entrypoint named by ref.func keeps its export (it may be what declares the reference): not reusable", () => {
    const prepared = prepare(`(module (memory 1)
      (func $h (export "handle") (drop (ref.func $h))))`);
    expect(prepared.reusable).toBe(false);
    expect(WebAssembly.validate(prepared.bytes)).toBe(true);
  });

  test("not requested, nothing changes: the start function runs at instantiation and the entrypoint resets nothing", () => {
    const src = `(module (memory 1) (global $g (mut i32) (i32.const 0))
      (func $init (i32.store (i32.const 8) (i32.const 1)))
      (start $init)
      (func (export "handle") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g)))`;
    const plain = prepareModule(wat(src), LIMITS);
    if (!plain.ok) throw new Error(plain.rejection.message);
    expect(plain.reusable).toBe(false);
    const { instance, memory } = instantiatePrepared(plain);
    expect(new Int32Array(memory.buffer, 8, 1)[0]).toBe(1);
    expect([(instance.exports.handle as () => number)(), (instance.exports.handle as () => number)()]).toEqual([1, 2]);
    // Requested, the same module is reusable and its entry resets.
    const reset = prepare(src);
    expect(reset.reusable).toBe(true);
    const again = instantiatePrepared(reset);
    expect(new Int32Array(again.memory.buffer, 8, 1)[0]).toBe(0);
    expect([
      (again.instance.exports.handle as () => number)(),
      (again.instance.exports.handle as () => number)(),
    ]).toEqual([1, 1]);
  });

  test("an entrypoint that is also in a table stays reusable; calls through the table reach the guest's own function", () => {
    const prepared = prepare(
      `(module (memory 1) (table 1 funcref) (elem (i32.const 0) $h)
      (global $g (mut i32) (i32.const 0))
      (type $t (func (result i32)))
      (func $h (export "handle") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
      (func (export "viaTable") (result i32) (call_indirect (type $t) (i32.const 0))))`,
      true,
    );
    expect(prepared.reusable).toBe(true);
    const { instance } = instantiatePrepared(prepared);
    const exports = instance.exports as Record<string, () => number>;
    // The export resets; the table holds the guest's function, which does not.
    expect([exports.handle(), exports.handle(), exports.viaTable(), exports.viaTable(), exports.handle()]).toEqual([
      1, 1, 2, 3, 1,
    ]);
  });

  test("a module with neither globals nor a start function is reusable; its entry only calls the guest's", () => {
    const prepared = prepare(`(module (memory 1) (func (export "handle") (i32.store (i32.const 0) (i32.const 9))))`);
    expect(prepared.reusable).toBe(true);
    const { instance, memory } = instantiatePrepared(prepared);
    (instance.exports.handle as () => void)();
    expect(new Int32Array(memory.buffer, 0, 1)[0]).toBe(9);
  });
});
