// Run by moved-run-log.test.ts as its own process, because workers log to the process's stdout:
// a pool of one regular worker and one spare, two functions loaded (so a long run is moved),
// and one request to a WASI function that writes "started" to stderr without a newline, then
// sleeps 150 ms. Prints the invocation's outcome as the last line.
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import { guest } from "../fixtures/guests";
import { wat } from "../fixtures/wat";
import { loadedFunction } from "../helpers/loaded-function";

const startsThenSleeps = wat(`(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory 1)
  (data (i32.const 512) "started")
  (data (i32.const 600) "Status: 201\\n\\n")
  (func (export "_start")
    (i32.store (i32.const 256) (i32.const 512))
    (i32.store (i32.const 260) (i32.const 7))
    (drop (call $write (i32.const 2) (i32.const 256) (i32.const 1) (i32.const 264)))
    ;; one subscription at 0: a relative 150 ms sleep on the monotonic clock
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 150000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (i32.store (i32.const 256) (i32.const 600))
    (i32.store (i32.const 260) (i32.const 13))
    (drop (call $write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 264)))))`);

const wasi = await compileArtifact(startsThenSleeps, { memoryPages: 1, entrypoint: "_start", runtime: "wasi" });
const other = await compileArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
if (!wasi.ok || !other.ok) throw new Error("fixtures did not compile");
const pool = new WorkerPool({ size: 1, spares: 1, queueLimit: 16, logLevel: "info", logger: createLogger("error") });
pool.load({
  ...loadedFunction("starts", wasi.artifact, { maxExecutionMs: 2000 }),
  runtime: "wasi",
  entrypoint: "_start",
});
pool.load(loadedFunction("other", other.artifact));
const result = await pool.invoke("starts", "the-request", { method: "GET", uri: "/", headers: "", body: null });
await pool.close(100);
console.log(JSON.stringify({ outcome: result.outcome, status: result.response?.status }));
