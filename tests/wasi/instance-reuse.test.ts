// A WASI command whose memory does not grow is reusable: a worker may run its next request on
// the same instance (runner/sandbox/reusable-instances.ts). The guest must not be able to tell:
// wasi-fresh-state.wat bumps a global and memory counters below, inside and above its data and
// overwrites a data segment in _start, and must read FRESH every time; an instance left by
// proc_exit(0) is reset the same way; stdin is the new request's.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { Executor } from "../../runner/sandbox/executor";
import { CONTROL_BYTES, type LoadedFunction } from "../../runner/sandbox/protocol";
import { guest, guestSource } from "../fixtures/guests";
import { wat } from "../fixtures/wat";
import { loadedFunction } from "../helpers/loaded-function";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

const FRESH = "global=1 memory=1 tail=1 data=pristine";
const WASI = { memoryPages: 128, entrypoint: "_start", runtime: "wasi" as const };

/** wasi-fresh-state ending its _start with proc_exit(0), which unwinds the instance mid-call. */
const exitingVariant = () =>
  wat(
    guestSource("wasi-fresh-state")
      .replace("(memory", '(import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))\n  (memory')
      .replace(
        "(i64.const 0x64657265706d6174))))",
        "(i64.const 0x64657265706d6174))\n    (call $proc_exit (i32.const 0))))",
      ),
  );

async function loaded(bytes: Uint8Array): Promise<LoadedFunction> {
  const prepared = await compileArtifact(bytes, WASI);
  if (!prepared.ok) throw new Error(prepared.message);
  return { ...loadedFunction("fresh", prepared.artifact), entrypoint: "_start", runtime: "wasi" };
}

test("the pipeline makes these WASI commands reusable (else these tests would not test reuse)", async () => {
  for (const bytes of [guest("wasi-fresh-state"), exitingVariant(), guest("wasi-echo")])
    expect((await loaded(bytes)).reusable).toBe(true);
});

test("on a worker's executor, the instance is kept after an ok run and the next run still sees a new instance's state", async () => {
  const executor = new Executor(createLogger("error"), new SharedArrayBuffer(CONTROL_BYTES));
  // What the executor holds between runs (private): how this test sees that reuse happens at all.
  const held = () => (executor as unknown as { instances: { size: number } }).instances.size;
  const request = {
    method: new TextEncoder().encode("GET"),
    uri: new TextEncoder().encode("/"),
    headers: new Uint8Array(0),
    body: null,
    cgi: new TextEncoder().encode("SCRIPT_NAME=\nX_MATCHED_ROUTE=/*\n"),
  };
  for (const bytes of [guest("wasi-fresh-state"), exitingVariant()]) {
    const fn = await loaded(bytes);
    const heldBefore = held();
    for (let i = 1; i <= 6; i++) {
      const result = executor.run(i, `r${i}`, request, fn);
      expect(result.outcome).toBe("ok");
      expect(new TextDecoder().decode(result.response!.body!)).toBe(FRESH);
    }
    // First run: a new instance, not kept; second: a new one, kept; from the third on, reused.
    expect(held()).toBe(heldBefore + 1);
  }
});

for (const reuse of ["on", "off"] as const) {
  describe(`--instance-reuse ${reuse}, one worker`, () => {
    let fresh: TestRunner;
    let exiting: TestRunner;
    let echo: TestRunner;
    beforeAll(async () => {
      const options = { workers: 1, instanceReuse: reuse };
      [fresh, exiting, echo] = await Promise.all([
        startTestRunner(guest("wasi-fresh-state"), options),
        startTestRunner(exitingVariant(), options),
        startTestRunner(guest("wasi-echo"), options),
      ]);
    });
    afterAll(() => Promise.all([fresh.stop(), exiting.stop(), echo.stop()]));

    test("every request sees a fresh global, memory and data segment", async () => {
      for (let i = 0; i < 20; i++) expect(await (await fresh.fetch("/")).text()).toBe(FRESH);
    });

    test("also when each request ended by proc_exit(0)", async () => {
      for (let i = 0; i < 20; i++) expect(await (await exiting.fetch("/")).text()).toBe(FRESH);
    });

    test("each request reads its own body from the start of stdin", async () => {
      for (let i = 0; i < 20; i++) {
        const body = `Content-Type: text/plain\n\nrequest ${i} ${"x".repeat(i * 3)}`;
        const res = await echo.fetch("/", { method: "POST", body });
        expect(await res.text()).toBe(`request ${i} ${"x".repeat(i * 3)}`);
      }
    });
  });
}
