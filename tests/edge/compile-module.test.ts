// An edge node compiles modules while it serves: the engine's compile runs off the event loop,
// and a module the engine refuses still gets its reason, from validating the input then.
import { expect, test } from "bun:test";
import { compileArtifact, compileModule } from "../../core/module/compile-module";
import { bigModule } from "../fixtures/pipeline/big-module";
import { wat } from "../fixtures/wat";

const LIMITS = { memoryPages: 16, entrypoint: "handle" };

test("the event loop keeps turning while a 2 MiB module compiles", async () => {
  const bytes = bigModule(2 * 1024 * 1024);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  try {
    // The pipeline's own pass runs before the first await; the engine's compile after it
    // (~30-50 ms for this module) leaves the event loop free. After a synchronous compile the
    // promise would settle (a microtask) before any timer could fire.
    const ticksAtCall = ticks;
    let ticksAtSettle = -1;
    const compiling = compileModule(bytes, LIMITS);
    void compiling.then(() => (ticksAtSettle = ticks));
    const result = await compiling;
    await Promise.resolve();
    expect(result.ok).toBe(true);
    expect(ticksAtSettle - ticksAtCall).toBeGreaterThan(0);
  } finally {
    clearInterval(ticker);
  }
});

test("a compiled module runs", async () => {
  const result = await compileModule(wat(`(module (func (export "handle")))`), LIMITS);
  if (!result.ok) throw new Error(result.message);
  const instance = new WebAssembly.Instance(result.compiled.module, {
    env: {
      memory: new WebAssembly.Memory({
        initial: result.compiled.memory.minPages,
        maximum: result.compiled.memory.maxPages,
      }),
    },
    edge_sandbox: { interrupt: () => 1000 },
  });
  expect(typeof instance.exports.handle).toBe("function");
  expect(result.compiled.cost).toBeGreaterThan(0);
});

test("a module the engine refuses is invalid_module with the engine's reason, not a pipeline bug", async () => {
  const valid = wat(`(module (func (export "handle") (result i32) (i32.const 7)))`);
  // i32.const 7; end -> i64.const 7; end: well-formed bytes, but the body's type is wrong.
  const bytes = valid.slice();
  const at = bytes.findLastIndex((b, i) => b === 0x41 && bytes[i + 1] === 0x07 && bytes[i + 2] === 0x0b);
  expect(at).toBeGreaterThan(0);
  bytes[at] = 0x42;
  const result = await compileModule(bytes, LIMITS);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.code).toBe("invalid_module");
  expect(result.message).toContain("does not validate");
});

/** Exports "handle", "ax" and "ay", then "ay" renamed "ax" in the binary: a duplicate export. */
function duplicateExport(): Uint8Array {
  const bytes = wat(`(module (func $f) (export "handle" (func $f)) (export "ax" (func $f)) (export "ay" (func $f)))`);
  const text = new TextDecoder("latin1").decode(bytes);
  bytes[text.lastIndexOf("ay") + 1] = "x".charCodeAt(0);
  return bytes;
}

test("a module the engine refuses is refused before the rewrite, which could hide why", async () => {
  const bytes = duplicateExport();
  expect(WebAssembly.validate(bytes)).toBe(false);
  const result = await compileArtifact(bytes, LIMITS);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.code).toBe("invalid_module");
});
