// The runner's capped memory is the only memory a prepared module can use.

import { describe, expect, test } from "bun:test";
import { fixture } from "../fixtures/pipeline/corpus.ts";
import { wat } from "../fixtures/wat.ts";
import { instantiateOriginal, instantiatePrepared, LIMITS, prepareOk, prepareRejected } from "./harness.ts";

function importedMemory(bytes: Uint8Array): WebAssembly.ModuleImportDescriptor[] {
  return WebAssembly.Module.imports(new WebAssembly.Module(bytes)).filter((i) => i.kind === "memory");
}

describe("memory", () => {
  test("a Rust-style module is rejected at 16 pages and accepted at 32, its memory now imported", () => {
    const bytes = fixture("rust-style");
    const rejected = prepareRejected(bytes, { ...LIMITS, memoryPages: 16 });
    expect(rejected.code).toBe("memory_too_large");
    expect(rejected.message).toContain("17 pages (1.06 MiB) but this function allows 16");
    const prepared = prepareOk(bytes, { ...LIMITS, memoryPages: 32 });
    expect(prepared.memory).toEqual({ minPages: 17, maxPages: 32 });
    expect(importedMemory(prepared.bytes)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
    const log: unknown[] = [];
    const { instance, memory } = instantiatePrepared(prepared, undefined, log);
    // The export of memory 0 now exports the runner's memory.
    expect(instance.exports.memory).toBe(memory);
    (instance.exports.handle as () => void)();
    expect(log).toEqual([["response_write", 1048576, 14]]);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 1048576, 12))).toBe("hello, edge!");
    expect((instance.exports.pages as () => number)()).toBe(17);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 1048576 - 16, 4))).toBe("hell");
  });

  test("a defined memory's maximum is clamped to the cap, a smaller one kept", () => {
    expect(prepareOk(wat(`(module (memory 1) (func (export "handle")))`)).memory).toEqual({
      minPages: 1,
      maxPages: 16,
    });
    expect(prepareOk(wat(`(module (memory 1 100) (func (export "handle")))`)).memory).toEqual({
      minPages: 1,
      maxPages: 16,
    });
    expect(prepareOk(wat(`(module (memory 1 3) (func (export "handle")))`)).memory).toEqual({
      minPages: 1,
      maxPages: 3,
    });
  });

  test("an imported env.memory keeps being imported, its maximum clamped", () => {
    const bytes = wat(`(module (import "env" "memory" (memory 2 1000)) (func (export "handle")))`);
    const prepared = prepareOk(bytes);
    expect(prepared.memory).toEqual({ minPages: 2, maxPages: 16 });
    // A memory with maximum 16 only satisfies the import if the declared maximum is <= 16.
    expect(() => instantiatePrepared(prepared)).not.toThrow();
  });

  test("a module without memory gets env.memory {min 0, max cap}", () => {
    const prepared = prepareOk(wat(`(module (func (export "handle")))`));
    expect(prepared.memory).toEqual({ minPages: 0, maxPages: 16 });
    expect(importedMemory(prepared.bytes).map((i) => `${i.module}.${i.name}`)).toEqual(["env.memory"]);
  });

  test("memory.grow past the cap returns -1, within it succeeds", () => {
    const bytes = wat(`(module (memory 1)
      (func (export "handle"))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) memory.size))`);
    const { instance, memory } = instantiatePrepared(prepareOk(bytes, { ...LIMITS, memoryPages: 4 }));
    const grow = instance.exports.grow as (n: number) => number;
    expect(grow(2)).toBe(1);
    expect(grow(2)).toBe(-1);
    expect(grow(1)).toBe(3);
    expect(grow(1)).toBe(-1);
    expect((instance.exports.size as () => number)()).toBe(4);
    expect(memory.buffer.byteLength).toBe(4 * 65536);
  });

  test("the original, unclamped, grows where the prepared one cannot (so the clamp is what stops it)", () => {
    const bytes = wat(
      `(module (memory 1) (func (export "handle")) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`,
    );
    const original = instantiateOriginal(bytes, { minPages: 1, maxPages: 16 });
    expect((original.exports.grow as (n: number) => number)(8)).toBe(1);
    const { instance } = instantiatePrepared(prepareOk(bytes, { ...LIMITS, memoryPages: 4 }));
    expect((instance.exports.grow as (n: number) => number)(8)).toBe(-1);
  });

  test("a zero-page cap works for modules without memory", () => {
    const prepared = prepareOk(wat(`(module (func (export "handle")))`), { ...LIMITS, memoryPages: 0 });
    expect(prepared.memory).toEqual({ minPages: 0, maxPages: 0 });
    expect(() => instantiatePrepared(prepared)).not.toThrow();
  });
});

describe("tables", () => {
  test("table.grow past the element cap returns -1, within it succeeds; a smaller maximum is kept", () => {
    const grow = `(func (export "handle")) (func (export "grow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))`;
    const unbounded = prepareOk(wat(`(module (table 1 funcref) ${grow})`));
    const { instance } = instantiatePrepared(unbounded);
    const growBy = instance.exports.grow as (n: number) => number;
    expect(growBy(99_999)).toBe(1);
    expect(growBy(1)).toBe(-1);
    const small = instantiatePrepared(prepareOk(wat(`(module (table 1 10 funcref) ${grow})`))).instance;
    expect((small.exports.grow as (n: number) => number)(9)).toBe(1);
    expect((small.exports.grow as (n: number) => number)(1)).toBe(-1);
  });
});
