// Prepared modules keep only the export the runner calls: every export costs every
// instantiation (~0.3-0.5 µs each here), and nothing but the entrypoint is ever used.
import { expect, test } from "bun:test";
import { prepareModule } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat";
import { instantiatePrepared, LIMITS } from "./harness.ts";

const exportsOf = (bytes: Uint8Array) =>
  WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => `${e.kind} ${e.name}`);

const RUST_SHAPED = wat(`(module
  (import "edge" "response_write" (func $write (param i32 i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 1 funcref)
  (global $data_end (export "__data_end") i32 (i32.const 1024))
  (global $heap_base (export "__heap_base") i32 (i32.const 2048))
  (data (i32.const 16) "ok")
  (func $helper (export "helper") (result i32) (i32.const 7))
  (func (export "handle") (call $write (i32.const 16) (i32.const 2))))`);

test("only the entrypoint is exported; the module still answers the same", () => {
  const result = prepareModule(RUST_SHAPED, LIMITS);
  if (!result.ok) throw new Error(result.rejection.message);
  expect(exportsOf(result.bytes)).toEqual(["function handle"]);
  const log: unknown[] = [];
  const { instance, memory } = instantiatePrepared(result, undefined, log);
  (instance.exports.handle as () => void)();
  expect(log).toEqual([["response_write", 16, 2]]);
  expect(new TextDecoder().decode(new Uint8Array(memory.buffer, 16, 2))).toBe("ok");
});

test("another entrypoint name keeps that export instead", () => {
  const result = prepareModule(RUST_SHAPED, { ...LIMITS, entrypoint: "helper" });
  if (!result.ok) throw new Error(result.rejection.message);
  expect(exportsOf(result.bytes)).toEqual(["function helper"]);
});

test("an export that declares a ref.func target stays, so the output still validates", () => {
  // $f is named by ref.func and declared only by its export (no element segment).
  const bytes = wat(
    `(module (func $f (export "f")) (func $g (export "g")) (func (export "handle") (drop (ref.func $f))))`,
  );
  expect(WebAssembly.validate(bytes)).toBe(true);
  const result = prepareModule(bytes, LIMITS);
  if (!result.ok) throw new Error(`${result.rejection.code}: ${result.rejection.message}`);
  expect(exportsOf(result.bytes).sort()).toEqual(["function f", "function handle"]);
});

test("keepAllExports keeps them all (for tests and tools that call the others)", () => {
  const result = prepareModule(RUST_SHAPED, LIMITS, { keepAllExports: true });
  if (!result.ok) throw new Error(result.rejection.message);
  expect(exportsOf(result.bytes).sort()).toEqual([
    "function handle",
    "function helper",
    "global __data_end",
    "global __heap_base",
    "memory memory",
    "table __indirect_function_table",
  ]);
});
