// The pipeline's rules per runtime: a module built for the other runtime is refused naming the
// runtime to use; under runtime wasi every WASI preview 1 call links, and a name preview 1 does not
// define is refused by name.
import { describe, expect, test } from "bun:test";
import { prepareModule } from "../../core/pipeline/index.ts";
import type { RejectionCode } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat";
import { LIMITS, prepareRejected } from "./harness";

function expectRejection(bytes: Uint8Array, code: RejectionCode, words: string[], limits = LIMITS): void {
  const r = prepareRejected(bytes, limits);
  expect(r.code).toBe(code);
  for (const w of words) expect(r.message).toContain(w);
  expect(r.message).not.toContain("\n");
}

const HANDLE_ONLY = `(module (memory 1) (func (export "handle")))`;

describe("runtime", () => {
  const WASI_LIMITS = { ...LIMITS, entrypoint: "_start", runtime: "wasi" as const };
  test("under runtime wasi, every preview 1 call may be imported; a name preview 1 does not define is named", () => {
    const command = (imports: string) =>
      wat(`(module ${imports} (memory (export "memory") 1) (func (export "_start")))`);
    expect(
      prepareModule(
        command(`(import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "sock_recv" (func (param i32 i32 i32 i32 i32 i32) (result i32)))`),
        WASI_LIMITS,
      ).ok,
    ).toBe(true);
    expectRejection(
      command(`(import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
        (import "wasi:cli/stdout" "get-stdout" (func (result i32)))`),
      "forbidden_imports",
      [`"wasi_snapshot_preview1.sock_open"`, `"wasi:cli/stdout.get-stdout"`, "preview 1"],
      WASI_LIMITS,
    );
    expectRejection(
      command(`(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))`),
      "import_signature_mismatch",
      [`"wasi_snapshot_preview1.fd_write": expected function (i32, i32, i32, i32) -> (i32)`],
      WASI_LIMITS,
    );
  });
  test("an edge module under runtime wasi names runtime wasm", () => {
    const edge = wat(`(module (import "edge" "log" (func (param i32 i32 i32))) (memory 1) (func (export "_start")))`);
    expectRejection(edge, "runtime_mismatch", [`"edge.log"`, "register the function with runtime wasm"], WASI_LIMITS);
    expectRejection(wat(HANDLE_ONLY), "runtime_mismatch", [`exports "handle"`, "runtime wasm"], WASI_LIMITS);
  });
});
