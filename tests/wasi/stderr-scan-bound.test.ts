// A guest's stderr is looked at up to MAX_SCANNED_BYTES (1 MiB) per invocation: a host call is
// not interruptible, so no more is scanned for newlines. What lies past the bound is dropped
// unread, and dropped output is counted (the "guest log lines dropped" warning), also when the
// bound falls in the middle of one write: else 1 MiB of a 2 MiB write vanished without a trace.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { wat } from "../fixtures/wat";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";

/** One fd_write of 2 MiB of "A" (no newline) to stderr, then an empty 200 response. */
const twoMiB = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory 64)
  (data (i32.const 0) "Status: 200\\n\\n")
  (func (export "_start")
    (memory.fill (i32.const 65536) (i32.const 65) (i32.const 0x200000))
    (i32.store (i32.const 16) (i32.const 65536))
    (i32.store (i32.const 20) (i32.const 0x200000))
    (drop (call $write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 24)))
    (i32.store (i32.const 16) (i32.const 0))
    (i32.store (i32.const 20) (i32.const 13))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))`);

test("stderr past the scanned bound, in the same write as bytes before it, is counted as dropped", async () => {
  const file = join(tempDir("wasi-scan-bound-"), "flood.wasm");
  await Bun.write(file, twoMiB);
  const runner = await startRunnerProcess([file, "--workers", "1", "--memory-pages", "64"]);
  try {
    const response = await fetch(`${runner.url}/`);
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    const lines = await runner.waitForLines((all) => all.some((l) => l.includes(`"msg":"invocation"`)));
    const mine = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const ofRequest = mine.filter((l) => l.request_id === requestId);
    // The line kept (its first 4 KiB) says what was cut of what was scanned.
    expect(ofRequest.find((l) => l.stream === "stderr")?.truncated_bytes).toBe(1024 * 1024 - 4096);
    expect(ofRequest.find((l) => l.msg === "guest log lines dropped")).toMatchObject({ dropped: 1 });
  } finally {
    await runner.stop();
  }
});
