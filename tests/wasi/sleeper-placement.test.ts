// A WASI function that sleeps (poll_oneoff) holds its worker as a loop does, though it uses no
// CPU: its sleep counts as run time, so it is placed as a slow function (on the spares) and a
// fast function's request is not held behind it. Judged by CPU alone, it counted as fast and
// kept the one regular worker asleep.
import { expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import type { RequestParts } from "../../runner/sandbox/wire";
import { wat } from "../fixtures/wat";
import { loadedFunction } from "../helpers/loaded-function";

/** A WASI command that sleeps `ms` (one relative clock subscription), then answers "done". */
const sleeper = (ms: number): Uint8Array =>
  wat(`(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "Content-Type: text/plain\\n\\ndone")
  (func (export "_start")
    (if (i32.gt_u (i32.const ${ms}) (i32.const 0)) (then
      ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1 (monotonic), timeout in ns
      (i32.store8 (i32.const 8) (i32.const 0))
      (i32.store (i32.const 16) (i32.const 1))
      (i64.store (i32.const 24) (i64.mul (i64.const ${ms}) (i64.const 1000000)))
      (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))
    (i32.store (i32.const 256) (i32.const 512))
    (i32.store (i32.const 260) (i32.const 30))
    (drop (call $write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 264)))))`);

const request: RequestParts = { method: "GET", uri: "/", headers: "", body: null };

async function wasiFunction(key: string, bytes: Uint8Array) {
  const prepared = await compileArtifact(bytes, { memoryPages: 1, entrypoint: "_start", runtime: "wasi" });
  if (!prepared.ok) throw new Error(prepared.message);
  return { ...loadedFunction(key, prepared.artifact), runtime: "wasi" as const, entrypoint: "_start" };
}

test("a sleeping WASI function goes to the spares: a fast request is answered while it sleeps", async () => {
  // No memory of slow runs: the function is placed by what its last runs cost, not by having
  // been seen running long once.
  const pool = new WorkerPool({
    size: 1,
    spares: 1,
    queueLimit: 16,
    slowMemoryMs: 0,
    logLevel: "error",
    logger: createLogger("error"),
  });
  try {
    pool.load(await wasiFunction("sleepy", sleeper(300)));
    pool.load(await wasiFunction("fast", sleeper(0)));
    for (let i = 0; i < 3; i++) expect((await pool.invoke("fast", `warm-${i}`, request)).outcome).toBe("ok");
    // Its first runs: long, but no CPU to speak of.
    for (let i = 0; i < 2; i++) {
      const done = await pool.invoke("sleepy", `sleepy-${i}`, request);
      expect(done.outcome).toBe("ok");
      expect(new TextDecoder().decode(done.response?.body ?? undefined)).toBe("done");
    }
    const order: string[] = [];
    const sleeping = [1, 2, 3, 4].map((i) =>
      pool.invoke("sleepy", `sleepy-last-${i}`, request).then((r) => order.push(`sleepy ${r.outcome}`)),
    );
    await Bun.sleep(50);
    const fast = pool.invoke("fast", "fast", request).then((r) => order.push(`fast ${r.outcome}`));
    await Promise.all([...sleeping, fast]);
    expect(order[0]).toBe("fast ok");
    // The sleepers take turns on the spare: one may wait past the overload wait (1 s).
    for (const answer of order.slice(1)) expect(["sleepy ok", "sleepy overload"]).toContain(answer);
  } finally {
    await pool.close(100);
  }
});
