// Host calls cannot be interrupted, so what one call makes the host do is bounded, and a long
// one checks the deadline: a guest passing 1024 iovecs of its whole 64 MiB memory to stderr (64
// GiB to scan for newlines, or 64 million newlines) is answered at once, its lines capped and the
// rest dropped unread; a 256 MiB random fill ends at the deadline.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { wat } from "../fixtures/wat";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

/** Fills its 64 MiB with `fill`, writes it 1024 times over in one fd_write to fd 2, then answers. */
const flood = (fill: number): Uint8Array =>
  wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1024)
  (data $answer "Status: 201\\n\\n")
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 0) (i32.const ${fill}) (i32.const 0x4000000))
    ;; 1024 iovecs at 64, each the whole memory
    (loop $next
      (i32.store (i32.add (i32.const 64) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0))
      (i32.store (i32.add (i32.const 68) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0x4000000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 1024))))
    (drop (call $write (i32.const 2) (i32.const 64) (i32.const 1024) (i32.const 0)))
    ;; the answer, "Status: 201" and a blank line, at 16
    (memory.init $answer (i32.const 16) (i32.const 0) (i32.const 13))
    (i32.store (i32.const 32) (i32.const 16))
    (i32.store (i32.const 36) (i32.const 13))
    (drop (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 0)))))`);

let newlines: TestRunner;
let noNewline: TestRunner;
beforeAll(async () => {
  // Without the bound: the newlines hold the host past 5 s (504); the scan for a newline takes
  // ~4 s of CPU, past a 1 s limit and the watchdog's grace (the worker is replaced).
  newlines = await startTestRunner(flood(0x0a), { memoryPages: 1024, maxExecutionMs: 5000, workers: 1 });
  noNewline = await startTestRunner(flood(0x41), { memoryPages: 1024, maxExecutionMs: 1000, workers: 1 });
});
afterAll(() => Promise.all([newlines?.stop(), noNewline?.stop()]));

// The guest's log lines go to the worker's stdout; what is tested here is that the call returns.
test("64 GiB of newlines to stderr in one call is answered, not stuck in the host until the deadline", async () => {
  expect((await newlines.fetch("/")).status).toBe(201);
});

test("64 GiB without a newline to stderr in one call is answered too", async () => {
  expect((await noNewline.fetch("/")).status).toBe(201);
});

/** Fills 256 MiB of its memory with random bytes in one call (edge ABI or WASI), then answers. */
const randomFill = (wasi: boolean): Uint8Array =>
  wat(`(module
  ${
    wasi
      ? `(import "wasi_snapshot_preview1" "random_get" (func $fill (param i32 i32) (result i32)))
         (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))`
      : `(import "edge" "random_fill" (func $fill (param i32 i32)))`
  }
  (memory (export "memory") 4097)
  (data (i32.const 0) "Status: 201\\n\\n")
  (func (export "${wasi ? "_start" : "handle"}")
    ${wasi ? "(drop (call $fill (i32.const 65536) (i32.const 0x10000000)))" : "(call $fill (i32.const 65536) (i32.const 0x10000000))"}
    ${wasi ? "(i32.store (i32.const 32) (i32.const 0)) (i32.store (i32.const 36) (i32.const 13)) (drop (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48)))" : ""}))`);

test.each([
  ["edge ABI random_fill", false],
  ["WASI random_get", true],
])("%s of 256 MiB ends at the deadline, not when the host is done", async (_name, wasi) => {
  const runner = await startTestRunner(randomFill(wasi), { memoryPages: 4097, maxExecutionMs: 20, workers: 1 });
  try {
    expect((await runner.fetch("/")).status).toBe(504);
  } finally {
    await runner.stop();
  }
});
