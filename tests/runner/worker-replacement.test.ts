// A worker that dies is replaced: the invocation it was running ends as worker_crash (500), the
// ones it held but had not started run elsewhere, and the pool keeps serving at full size.
// No guest can kill a worker any more (that is the point of the sandbox), so the test ends a
// worker thread from outside, the way a crash of the thread itself would.
import { describe, expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import { presumedStuck, WATCHDOG_GRACE_MS, WATCHDOG_HARD_MS } from "../../runner/sandbox/limits";
import type { RequestParts } from "../../runner/sandbox/wire";
import { guest } from "../fixtures/guests";
import { loadedFunction } from "../helpers/loaded-function";

const request = (waitMs: number): RequestParts => ({
  method: "GET",
  uri: "/",
  headers: `x-wait-ms: ${waitMs}\n`,
  body: null,
});

test("a worker thread that dies mid-invocation: worker_crash for that one, the rest served, the pool replaced", async () => {
  const prepared = await compileArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  const pool = new WorkerPool({ size: 1, queueLimit: 16, logLevel: "error", logger: createLogger("error") });
  try {
    pool.load(loadedFunction("busy", prepared.artifact));
    expect((await pool.invoke("busy", "warm", request(1))).outcome).toBe("ok");

    const running = pool.invoke("busy", "victim", request(2000));
    const behind = [pool.invoke("busy", "next-1", request(1)), pool.invoke("busy", "next-2", request(1))];
    await Bun.sleep(200); // the victim is running now, the two others wait behind it
    // The one worker's thread ends, as a crash of the thread would end it.
    (pool as unknown as { slots: { worker: Worker }[] }).slots[0].worker.terminate();

    expect(await running).toMatchObject({ outcome: "worker_crash" });
    expect((await Promise.all(behind)).map((r) => r.outcome)).toEqual(["ok", "ok"]);
    expect(pool.stats()).toMatchObject({ workers: 1, restarts: 1 });
    expect((await pool.invoke("busy", "after", request(1))).outcome).toBe("ok");
    // The replacement loaded the function with the first job it was given; the dead worker's copy is not counted.
    expect(pool.stats().functionsHeld).toBe(1);
  } finally {
    await pool.close(100);
  }
});

describe("the watchdog's verdict", () => {
  // A spare running as a background thread may wait seconds for a CPU on a busy node: that is
  // not a stuck worker. Only CPU spent past the deadline (or, past WATCHDOG_HARD_MS, any wait)
  // says stuck; where CPU time cannot be read, wall time decides as before.
  test("wall time past the grace with the CPU time past it too: stuck", () => {
    expect(presumedStuck(WATCHDOG_GRACE_MS + 20, WATCHDOG_GRACE_MS)).toBe(true);
  });
  test("wall time past the grace but almost no CPU used since the deadline: waiting, not stuck", () => {
    expect(presumedStuck(WATCHDOG_GRACE_MS * 3, 30)).toBe(false);
  });
  test("within the grace: never stuck, whatever the CPU", () => {
    expect(presumedStuck(WATCHDOG_GRACE_MS, WATCHDOG_GRACE_MS * 5)).toBe(false);
  });
  test("past the hard limit: stuck even if starved; CPU time unknown: wall time decides", () => {
    expect(presumedStuck(WATCHDOG_HARD_MS, 0)).toBe(true);
    expect(presumedStuck(WATCHDOG_GRACE_MS + 1, null)).toBe(true);
  });
});
