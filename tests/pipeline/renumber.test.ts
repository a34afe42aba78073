// Adding the sandbox imports shifts every defined function: by one (interrupt) in a module where
// nothing can recur, by two (interrupt, stack_overflow) in one where something can. Everything that names a
// function must follow, or calls, tables and traps go to the wrong function.

import { describe, expect, test } from "bun:test";
import wabtInit from "wabt";
import { fixture } from "../fixtures/pipeline/corpus.ts";
import { wat } from "../fixtures/wat.ts";
import { HEADER, leb, oneFunction, section, str } from "./binary.ts";
import { instantiateOriginal, instantiatePrepared, outcome, prepareOk } from "./harness.ts";

const wabt = await wabtInit();

/** The same calls, in the same order, against an instance. */
function scenario(instance: WebAssembly.Instance): unknown[] {
  const out: unknown[] = [];
  const call = (name: string, ...args: number[]) => out.push([name, args, outcome(instance, name, args)]);
  call("handle");
  call("started");
  for (let i = 0; i < 8; i++) call("via_t0", i, 7);
  call("init_passive");
  for (let i = 0; i < 8; i++) call("via_t0", i, 5);
  for (let i = 0; i < 4; i++) call("via_t2", i, 6);
  for (let i = 0; i < 4; i++) call("tail_indirect", i, 9);
  call("via_global", 11);
  call("via_ref_func", 12);
  call("tail", 13);
  call("direct", 14);
  call("logs");
  call("alias_sq", 15);
  call("alias_import", 5, 6);
  return out;
}

function text(bytes: Uint8Array): string {
  const features = { simd: true, tail_call: true, bulk_memory: true, reference_types: true, multi_value: true };
  const m = wabt.readWasm(bytes, { readDebugNames: true, ...features });
  try {
    m.applyNames();
    return m.toText({});
  } finally {
    m.destroy();
  }
}

describe("function index shift", () => {
  const original = fixture("indexed");
  const prepared = prepareOk(original);

  test("calls, tables, element segments of all kinds, ref.func, tail calls and start behave the same", () => {
    const log1: unknown[] = [];
    const log2: unknown[] = [];
    const before = scenario(instantiateOriginal(original, prepared.memory, log1));
    const after = scenario(instantiatePrepared(prepared, undefined, log2).instance);
    expect(after).toEqual(before);
    expect(log2).toEqual(log1);
    // The scenario reaches real values, not only traps.
    expect(before).toContainEqual(["via_t0", [4, 5], { value: 6 }]);
    expect(before).toContainEqual(["via_global", [11], { value: 33 }]);
    expect(before).toContainEqual(["started", [], { value: 42 }]);
    expect(before).toContainEqual(["via_t0", [3, 7], { trap: "RuntimeError" }]);
  });

  test("the fixture really has all eight element segment encodings", () => {
    const kinds = text(original).match(/\(elem[^\n]*/g) ?? [];
    expect(kinds.length).toBe(8);
    expect(kinds.filter((k) => k.includes("declare")).length).toBe(2);
    expect(kinds.filter((k) => k.includes("ref.null")).length).toBe(4);
  });

  test("the sandbox imports follow the existing function imports", () => {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(prepared.bytes)).filter(
      (i) => i.kind === "function",
    );
    expect(imports.map((i) => `${i.module}.${i.name}`)).toEqual([
      "edge.log",
      "edge.request_method",
      "edge_sandbox.interrupt",
    ]);
  });

  test("with a function that can recur, stack_overflow follows interrupt and everything shifts by two", () => {
    const bytes = wat(`(module
      (import "edge" "log" (func $log (param i32 i32 i32)))
      (func $down (param i32) (result i32)
        (if (result i32) (local.get 0) (then (call $down (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 7))))
      (func $after (result i32) (call $down (i32.const 3)))
      (func (export "handle"))
      (export "after" (func $after)))`);
    const recursive = prepareOk(bytes);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(recursive.bytes)).filter(
      (i) => i.kind === "function",
    );
    expect(imports.map((i) => `${i.module}.${i.name}`)).toEqual([
      "edge.log",
      "edge_sandbox.interrupt",
      "edge_sandbox.stack_overflow",
    ]);
    const t = text(recursive.bytes);
    expect(t).toContain(`(import "edge_sandbox" "stack_overflow" (func $edge_sandbox.stack_overflow`);
    expect(t).toContain("call $down");
    expect(t.split("(func $edge_sandbox.stack_overflow (type").length - 1).toBe(1);
    expect(outcome(instantiatePrepared(recursive).instance, "after")).toEqual({ value: 7 });
  });

  test("the name section follows the shift: function, local names and the interrupt's name", () => {
    const t = text(prepared.bytes);
    expect(t).toContain(`(import "edge_sandbox" "interrupt" (func $edge_sandbox.interrupt`);
    expect(t).not.toContain("stack_overflow");
    expect(t).toContain(`(func $double (type`);
    expect(t).toMatch(/\(func \$sq \(type [^)]+\) \(param \$x i32\)/);
    expect(t).toContain("local.get $x");
    expect(t).toContain("call $inc");
    expect(t).toContain("return_call $sq");
    expect(t).toContain("(start $start)");
    // Without the shift, the names would be off and the added names would land on defined functions.
    expect(t.split("(func $edge_sandbox.interrupt (type").length - 1).toBe(1);
    expect(t).toContain("call $edge_sandbox.interrupt");
  });

  test("other custom sections are kept byte for byte", () => {
    const custom = section(0, [...str("producers"), 1, 2, 3, 4]);
    const first = section(0, [...str("first"), 9]);
    const base = wat(`(module (func (export "handle")))`);
    // One before every other section (so the added sections go after it) and one at the end.
    const withCustom = new Uint8Array([...base.subarray(0, 8), ...first, ...base.subarray(8), ...custom]);
    const out = prepareOk(withCustom).bytes;
    const module = new WebAssembly.Module(out);
    const sections = WebAssembly.Module.customSections(module, "producers");
    expect(sections.map((s) => [...new Uint8Array(s)])).toEqual([[1, 2, 3, 4]]);
    expect(WebAssembly.Module.customSections(module, "first").map((s) => [...new Uint8Array(s)])).toEqual([[9]]);
    expect([...out.subarray(8, 8 + first.length)]).toEqual(first);
  });

  test("label names are dropped (the inserted checks renumber labels); function names stay", () => {
    // Subsection 1: function 0 is "handle"; subsection 3: function 0, label 0 is "outer".
    const functionNames = [0x01, ...leb(1 + 1 + str("handle").length), 0x01, 0x00, ...str("handle")];
    const labelContent = [0x01, 0x00, 0x01, 0x00, ...str("outer")];
    const names = section(0, [...str("name"), ...functionNames, 0x03, ...leb(labelContent.length), ...labelContent]);
    const bytes = new Uint8Array([...oneFunction([0x02, 0x40, 0x03, 0x40, 0x0b, 0x0b]), ...names]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const out = prepareOk(bytes).bytes;
    const [payload] = WebAssembly.Module.customSections(new WebAssembly.Module(out), "name");
    const ids: number[] = [];
    const u = new Uint8Array(payload!);
    for (let p = 0; p < u.length; ) {
      ids.push(u[p++]!);
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const b = u[p++]!;
        size |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
      p += size;
    }
    expect(ids).toEqual([1]);
    expect(text(out)).toContain("(func $handle (type");
  });

  test("a malformed name section is dropped, not a rejection", () => {
    const bad = section(0, [...str("name"), 0x01, 0x05, 0x01, 0x00, 0xff]);
    const bytes = new Uint8Array([...oneFunction([]), ...bad]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const out = prepareOk(bytes).bytes;
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(out), "name")).toEqual([]);
    expect(out.subarray(0, 8)).toEqual(new Uint8Array(HEADER));
  });
});

test("indices whose LEB128 encoding grows with the shift (127 -> 128, 16383 -> 16384)", () => {
  const n = 16_400;
  const funcs = Array.from({ length: n }, (_, i) => `(func $f${i} (result i32) (i32.const ${i}))`).join("\n");
  const bytes = wat(`(module
    (import "edge" "time_now_ms" (func $now (result f64)))
    (table 4 funcref)
    (elem (i32.const 0) $f126 $f127 $f16382 $f16383)
    (elem declare func $f127)
    ${funcs}
    (func (export "handle"))
    (func (export "direct") (result i32)
      (i32.add (call $f126) (i32.add (call $f127) (i32.add (call $f16382) (call $f16383)))))
    (func (export "indirect") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
    (func (export "via_ref") (result i32) (table.set (i32.const 0) (ref.func $f127)) (call_indirect (result i32) (i32.const 0)))
    (export "f16383" (func $f16383)))`);
  const prepared = prepareOk(bytes);
  const calls = (i: WebAssembly.Instance) => [
    outcome(i, "direct"),
    ...[0, 1, 2, 3].map((k) => outcome(i, "indirect", [k])),
    outcome(i, "via_ref"),
    outcome(i, "f16383"),
  ];
  const before = calls(instantiateOriginal(bytes, prepared.memory));
  expect(before[0]).toEqual({ value: 126 + 127 + 16382 + 16383 });
  expect(calls(instantiatePrepared(prepared).instance)).toEqual(before);
});
