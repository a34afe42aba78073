// Every rejection the pipeline can give, each with the words a user needs in its message.

import { describe, expect, test } from "bun:test";
import { prepareModule, REJECTION_CODES, type RejectionCode } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat.ts";
import { body, moduleBytes, oneFunction, section, str, vec } from "./binary.ts";
import { LIMITS, prepareRejected } from "./harness.ts";

const HANDLE = `(func (export "handle"))`;

function expectRejection(bytes: Uint8Array, code: RejectionCode, words: (string | RegExp)[], limits = LIMITS): string {
  const r = prepareRejected(bytes, limits);
  expect(r.code).toBe(code);
  for (const w of words) {
    if (typeof w === "string") expect(r.message).toContain(w);
    else expect(r.message).toMatch(w);
  }
  expect(r.message).not.toContain("\n");
  return r.message;
}

describe("not WebAssembly", () => {
  test("text that is not wasm", () => {
    expectRejection(new TextEncoder().encode("hello, world"), "not_wasm", ["not a WebAssembly module", "68 65 6c 6c"]);
  });
  test("WebAssembly text format", () => {
    expectRejection(new TextEncoder().encode("(module (func))"), "not_wasm", ["text format", "wat2wasm"]);
  });
  test("empty file", () => {
    expectRejection(new Uint8Array(0), "not_wasm", ["empty"]);
  });
  test("a component", () => {
    expectRejection(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), "not_wasm", ["component"]);
  });
  test("another binary version", () => {
    expectRejection(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0]), "not_wasm", ["version 2"]);
  });
});

describe("truncated and malformed", () => {
  test("header cut short", () => {
    expectRejection(new Uint8Array([0, 0x61, 0x73]), "truncated", ["truncated", "header"]);
    expectRejection(new Uint8Array([0, 0x61, 0x73, 0x6d, 0x01]), "truncated", ["header"]);
  });
  test("module cut inside a section", () => {
    const full = wat(`(module ${HANDLE} (func (result i32) i32.const 1))`);
    const msg = expectRejection(full.subarray(0, full.length - 3), "truncated", ["truncated", "byte offset 0x"]);
    expect(msg).toContain("section");
  });
  test("unknown section id", () => {
    expectRejection(moduleBytes(section(0x20, [0])), "malformed", ["unknown section id 32"]);
  });
  test("sections out of order", () => {
    const bytes = moduleBytes(section(3, vec([[0]])), section(1, vec([[0x60, 0, 0]])));
    expectRejection(bytes, "malformed", ["type section", "out of order"]);
  });
  test("an over-long LEB", () => {
    const bytes = moduleBytes(section(1, [0x81, 0x80, 0x80, 0x80, 0x80, 0x00]));
    expectRejection(bytes, "malformed", ["longer than 5 bytes"]);
  });
  test("bytes after a function's final end", () => {
    const code = section(10, vec([[4, 0, 0x0b, 0x01, 0x0b]]));
    const bytes = moduleBytes(
      section(1, vec([[0x60, 0, 0]])),
      section(3, vec([[0]])),
      section(7, vec([[...str("handle"), 0, 0]])),
      code,
    );
    expectRejection(bytes, "malformed", ["after the function's final end", "function 0"]);
  });
  test("code and function sections disagree", () => {
    const bytes = moduleBytes(
      section(1, vec([[0x60, 0, 0]])),
      section(3, vec([[0], [0]])),
      section(10, vec([body([])])),
    );
    expectRejection(bytes, "malformed", ["1 bodies", "declares 2"]);
  });
});

describe("unsupported features", () => {
  test("exception handling: tag section", () => {
    const bytes = wat(`(module (tag $e) (func (export "handle") try nop catch $e end))`, "exceptions.wat", {
      exceptions: true,
    });
    expectRejection(bytes, "unsupported_section", ["tag section", "exception handling"]);
  });
  test("exception handling opcode in a function", () => {
    // try (0x06) with an empty block type, then end: valid for the engine, unknown to us.
    const msg = expectRejection(oneFunction([0x06, 0x40, 0x0b]), "unsupported_opcode", [
      "0x06",
      "exception handling",
      "function 0",
      "byte offset 0x",
    ]);
    expect(msg).toContain("-fno-exceptions");
  });
  test("GC opcode names its prefix and sub-opcode", () => {
    expectRejection(oneFunction([0xfb, 0x1c, 0x1a]), "unsupported_opcode", [
      "unsupported opcode 0xfb 0x1c (GC) in function 0 at byte offset 0x",
    ]);
  });
  test("unknown SIMD opcode", () => {
    expectRejection(oneFunction([0xfd, 0x9a, 0x01]), "unsupported_opcode", ["0xfd 0x9a", "unknown SIMD opcode 154"]);
  });
  test("the offset points at the opcode", () => {
    const bytes = oneFunction([0x01, 0x01, 0xfb, 0x00]);
    const msg = expectRejection(bytes, "unsupported_opcode", []);
    const offset = Number.parseInt(/byte offset 0x([0-9a-f]+)/.exec(msg)![1], 16);
    expect(bytes[offset]).toBe(0xfb);
    expect(bytes[offset - 1]).toBe(0x01);
  });
  test("GC type in the type section", () => {
    const bytes = moduleBytes(section(1, vec([[0x5f, 0x01, 0x7f, 0x00]])));
    expectRejection(bytes, "unsupported_type", ["type form 0x5f", "no GC types"]);
  });
  test("typed reference in a block type", () => {
    expectRejection(oneFunction([0x02, 0x63, 0x70, 0x0b]), "unsupported_type", ["0x63", "block type in function 0"]);
  });
});

describe("engine validation", () => {
  test("a type error is reported with the engine's reason", () => {
    const bytes = wat(`(module (func (export "handle") (result i32) i64.const 1))`);
    const msg = expectRejection(bytes, "invalid_module", ["does not validate"]);
    expect(msg).not.toContain("evaluating");
  });
});

describe("memory shape", () => {
  test("more than one memory", () => {
    const bytes = wat(`(module (import "env" "memory" (memory 1)) (memory 1) ${HANDLE})`);
    expectRejection(bytes, "multiple_memories", ["2 memories", "1 imported, 1 defined", "at most one"]);
  });
  test("shared memory", () => {
    expectRejection(wat(`(module (memory 1 2 shared) ${HANDLE})`), "shared_memory", ["shared", "threads"]);
  });
  test("memory64", () => {
    expectRejection(wat(`(module (memory i64 1) ${HANDLE})`, "memory64.wat", { memory64: true }), "memory64", [
      "64-bit memory",
      "wasm32",
    ]);
  });
});

describe("entrypoint", () => {
  test("missing, listing what is exported", () => {
    const bytes = wat(`(module (func (export "main")) (func (export "other")))`);
    expectRejection(bytes, "missing_entrypoint", [`"handle"`, `"main", "other"`]);
  });
  test("configured name is used", () => {
    const bytes = wat(`(module (func (export "main")))`);
    expect(prepareModule(bytes, { ...LIMITS, entrypoint: "main" }).ok).toBe(true);
  });
  test("not a function", () => {
    expectRejection(wat(`(module (global (export "handle") i32 (i32.const 0)))`), "entrypoint_not_function", [
      `"handle" is a global`,
    ]);
  });
  test("takes parameters", () => {
    const bytes = wat(`(module (func (export "handle") (param i32 i64) (result i32) i32.const 0))`);
    expectRejection(bytes, "entrypoint_has_params", ["(i32, i64) -> (i32)", "no parameters"]);
  });
  test("results are fine", () => {
    expect(
      prepareModule(wat(`(module (func (export "handle") (result i32 i64) i32.const 0 i64.const 0))`), LIMITS).ok,
    ).toBe(true);
  });
});

describe("imports", () => {
  test("every forbidden import is named", () => {
    const bytes = wat(`(module
      (import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "env" "abort" (func))
      (import "edge" "log" (func (param i32 i32 i32)))
      (import "edge" "no_such_call" (func))
      (import "env" "table" (table 1 funcref))
      ${HANDLE})`);
    const msg = expectRejection(bytes, "forbidden_imports", [
      `"wasi_snapshot_preview1.path_open"`,
      `"env.abort"`,
      `"edge.no_such_call"`,
      `"env.table"`,
      "wasm32-unknown-unknown",
      "--use abort=",
    ]);
    expect(msg).not.toContain(`"edge.log"`);
    // WASI's stdio calls are an edge module's too (Rust's std pulls in fd_write).
    expect(msg.split(" which ")[0]).not.toContain(`"wasi_snapshot_preview1.fd_write"`);
  });
  test("wrong signature says expected and actual", () => {
    const bytes = wat(
      `(module (import "edge" "log" (func (param i32 i32))) (import "edge" "time_now_ms" (func (result i32))) ${HANDLE})`,
    );
    expectRejection(bytes, "import_signature_mismatch", [
      `"edge.log": expected function (i32, i32, i32) -> (), module imports function (i32, i32) -> ()`,
      `"edge.time_now_ms": expected function () -> (f64), module imports function () -> (i32)`,
    ]);
  });
  test("an edge call imported as something else", () => {
    const bytes = wat(`(module (import "edge" "log" (global i32)) ${HANDLE})`);
    expectRejection(bytes, "import_signature_mismatch", [`"edge.log": expected function`, "a global"]);
  });
  test("env.memory imported as a function", () => {
    expectRejection(wat(`(module (import "env" "memory" (func)) ${HANDLE})`), "import_signature_mismatch", [
      `"env.memory": expected a memory`,
    ]);
  });
});

describe("runtime", () => {
  test("a WASI command under runtime wasm names runtime wasi (the rest: runtime-rejections.test.ts)", () => {
    const command = wat(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))`);
    expectRejection(command, "runtime_mismatch", ["WASI command", "register the function with runtime wasi"]);
  });
});

describe("memory too large", () => {
  test("17 pages against a cap of 16, with the toolchain fixes", () => {
    const bytes = wat(`(module (memory (export "memory") 17) ${HANDLE})`);
    expectRejection(bytes, "memory_too_large", [
      "memory minimum is 17 pages (1.06 MiB) but this function allows 16 (1 MiB)",
      "-C link-arg=-zstack-size=65536",
      "raise memory_pages",
      "-Wl,-z,stack-size=65536",
      "--initialMemory",
    ]);
  });
  test("an imported memory is held to the same cap", () => {
    expectRejection(wat(`(module (import "env" "memory" (memory 40)) ${HANDLE})`), "memory_too_large", [
      "40 pages",
      "allows 16",
    ]);
  });
});

describe("table too large", () => {
  test("a table starting above the element cap", () => {
    expectRejection(wat(`(module (table 200000 funcref) ${HANDLE})`), "table_too_large", [
      "table 0 starts with 200000 elements",
      "limit of 100000",
    ]);
  });
  test("more tables than allowed", () => {
    const tables = Array.from({ length: 17 }, () => "(table 1 funcref)").join(" ");
    expectRejection(wat(`(module ${tables} ${HANDLE})`), "table_too_large", ["defines 17 tables", "limit of 16"]);
  });
});

describe("never throws", () => {
  test("invalid limits are an internal rejection", () => {
    const r = prepareModule(wat(`(module ${HANDLE})`), { memoryPages: -1, entrypoint: "handle" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.code).toBe("internal");
  });
  test("not even bytes", () => {
    const r = prepareModule(null as unknown as Uint8Array, LIMITS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rejection.code).toBe("internal");
  });
});

test("every rejection code is exercised by this file", async () => {
  // Keeps the list above honest when a code is added to the table.
  const source = await Bun.file(import.meta.path).text();
  const missing = REJECTION_CODES.filter(
    (code) => !source.includes(`"${code}", [`) && !source.includes(`toBe("${code}")`),
  );
  expect(missing).toEqual([]);
});
