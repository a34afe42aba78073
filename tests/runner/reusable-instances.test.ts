// A worker's kept instances are bounded (reusable-instances.ts); instances let go of hand their
// memory to the memory pool, which gives it to the next new instance of any function of the
// same memory shape. Run here on the Executor a worker uses, in this thread, with more
// functions than a worker keeps instances of, so instances are let go of and memories pass
// between functions all the time.
import { expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { Executor } from "../../runner/sandbox/executor";
import { CONTROL_BYTES, type LoadedFunction } from "../../runner/sandbox/protocol";
import { MAX_KEPT_INSTANCES } from "../../runner/sandbox/reusable-instances";
import { wat } from "../fixtures/wat";
import { loadedFunction } from "../helpers/loaded-function";

const FUNCTIONS = 80;
const SPAN = 8192;

/**
 * Function k has one data byte, k + 1, at 1024 + k. It answers the sum of the bytes in
 * [0, SPAN) as decimal digits, then dirties the byte at 4096 + k: a new or properly restored
 * instance always answers k + 1.
 */
function fixture(k: number): Uint8Array {
  return wat(`(module
    (import "edge" "response_write" (func $w (param i32 i32)))
    (memory 1)
    (data (i32.const ${1024 + k}) "\\${(k + 1).toString(16).padStart(2, "0")}")
    (func (export "handle")
      (local $i i32) (local $sum i64) (local $p i32)
      (loop $add
        (local.set $sum (i64.add (local.get $sum) (i64.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $add (i32.lt_u (local.get $i) (i32.const ${SPAN}))))
      (i32.store8 (i32.const ${4096 + k}) (i32.const 0x7f))
      (local.set $p (i32.const ${SPAN + 64}))
      (loop $digit
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $sum) (i64.const 10))))
        (local.set $sum (i64.div_u (local.get $sum) (i64.const 10)))
        (br_if $digit (i64.ne (local.get $sum) (i64.const 0))))
      (call $w (local.get $p) (i32.sub (i32.const ${SPAN + 64}) (local.get $p)))))`);
}

async function loaded(k: number): Promise<LoadedFunction> {
  const prepared = await compileArtifact(fixture(k), { memoryPages: 1, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  return loadedFunction(`f${k}`, prepared.artifact);
}

const request = {
  method: new TextEncoder().encode("GET"),
  uri: new TextEncoder().encode("/"),
  headers: new Uint8Array(0),
  body: null,
};

test("with more functions than a worker keeps instances of, every run sees its own new instance's memory", async () => {
  const fns = await Promise.all(Array.from({ length: FUNCTIONS }, (_, k) => loaded(k)));
  expect(fns.every((f) => f.reusable)).toBe(true);
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  const answers: string[] = [];
  const expected: string[] = [];
  let id = 0;
  // Each function three times, round robin (every instance let go of before its next run),
  // then each five times in a row (its instance kept and restored).
  const order = [...[0, 1, 2].flatMap(() => fns.map((_, k) => k)), ...fns.flatMap((_, k) => [k, k, k, k, k])];
  for (const k of order) {
    const result = executor.run(++id, `r${id}`, request, fns[k]!);
    expect(result.outcome).toBe("ok");
    answers.push(new TextDecoder().decode(result.response!.body!));
    expected.push(String(k + 1));
  }
  expect(answers).toEqual(expected);
  expect(FUNCTIONS).toBeGreaterThan(MAX_KEPT_INSTANCES);
  expect((executor as unknown as { instances: { size: number } }).instances.size).toBe(MAX_KEPT_INSTANCES);
});

test("instances are kept from a function's second run; forgetting unloaded functions lets their instances go; the functions still loaded keep working", async () => {
  const fns = await Promise.all(Array.from({ length: 4 }, (_, k) => loaded(k)));
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  const run = (k: number) => new TextDecoder().decode(executor.run(k, `r${k}`, request, fns[k]!).response!.body!);
  const instances = (executor as unknown as { instances: { size: number } }).instances;
  // A function's first run here is not kept (admit()), its second is.
  for (let k = 0; k < 4; k++) expect(run(k)).toBe(String(k + 1));
  expect(instances.size).toBe(0);
  for (let k = 0; k < 4; k++) expect(run(k)).toBe(String(k + 1));
  expect(instances.size).toBe(4);
  executor.forget([fns[1]!, fns[3]!]);
  expect(instances.size).toBe(2);
  expect(run(1)).toBe("2");
  expect(run(3)).toBe("4");
});

test("a function whose memory grows is not kept again on that worker, and each run still sees a new instance", async () => {
  const grower = wat(`(module
    (import "edge" "response_write" (func $w (param i32 i32)))
    (memory 1)
    (data (i32.const 0) "1")
    (func (export "handle")
      (call $w (i32.const 0) (i32.const 1))
      (i32.store8 (i32.const 0) (i32.const 0x39))
      (drop (memory.grow (i32.const 1)))))`);
  const prepared = await compileArtifact(grower, { memoryPages: 4, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  const fn = loadedFunction("grower", prepared.artifact);
  expect(fn.reusable).toBe(true);
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  const instances = (executor as unknown as { instances: { size: number; admit(f: LoadedFunction): boolean } })
    .instances;
  for (let i = 0; i < 4; i++)
    expect(new TextDecoder().decode(executor.run(i + 1, "r", request, fn).response!.body!)).toBe("1");
  expect(instances.size).toBe(0);
  expect(instances.admit(fn)).toBe(false);
});

test("a function whose memory starts above what a worker keeps is never captured", async () => {
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  const instances = (executor as unknown as { instances: { admit(f: LoadedFunction): boolean } }).instances;
  const base = await loaded(0);
  const shaped = (minPages: number) => ({ ...base, memory: { minPages, maxPages: 512 } });
  expect(instances.admit(shaped(257))).toBe(false);
  expect(instances.admit(shaped(257))).toBe(false);
  const fits = shaped(256);
  expect(instances.admit(fits)).toBe(false);
  (instances as unknown as { ran(f: LoadedFunction, ok: boolean): void }).ran(fits, true);
  expect(instances.admit(fits)).toBe(true);
});

test("a function is kept only after a run that ended ok: one that keeps trapping is never captured", async () => {
  const trapper = wat(`(module (memory 1) (func (export "handle") unreachable))`);
  const prepared = await compileArtifact(trapper, { memoryPages: 4, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  const fn: LoadedFunction = {
    ...(await loaded(0)),
    key: "trapper",
    module: prepared.artifact.module,
    memory: prepared.artifact.memory,
    reusable: prepared.artifact.reusable,
  };
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  const instances = (
    executor as unknown as {
      instances: { admit(f: LoadedFunction): boolean; ran(f: LoadedFunction, ok: boolean): void };
    }
  ).instances;
  for (let i = 0; i < 3; i++) expect(executor.run(i + 1, "r", request, fn).outcome).toBe("trap");
  expect(instances.admit(fn)).toBe(false);
  // Had its last run ended ok, it would be; a failed run takes that back.
  instances.ran(fn, true);
  expect(instances.admit(fn)).toBe(true);
  expect(executor.run(9, "r", request, fn).outcome).toBe("trap");
  expect(instances.admit(fn)).toBe(false);
});
