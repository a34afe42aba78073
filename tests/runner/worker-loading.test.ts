// A function is loaded into a worker with the first invocation sent there, not into every
// worker when it is deployed: each worker's handle keeps the compiled module alive, so a node
// serving many functions would otherwise hold every module once per core. Unloads go to the
// workers that hold the function, a new version to the workers that held the old one.
import { expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import type { LoadedFunction } from "../../runner/sandbox/protocol";
import type { RequestParts } from "../../runner/sandbox/wire";
import { guest, type GuestName } from "../fixtures/guests";
import { loadedFunction } from "../helpers/loaded-function";

const request = (waitMs = 0): RequestParts => ({
  method: "GET",
  uri: "/",
  headers: `x-wait-ms: ${waitMs}\n`,
  body: null,
});

async function fn(key: string, fixture: GuestName): Promise<LoadedFunction> {
  const prepared = await compileArtifact(guest(fixture), { memoryPages: 16, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  return loadedFunction(key, prepared.artifact);
}

const newPool = (size: number) =>
  new WorkerPool({ size, queueLimit: 64, logLevel: "error", logger: createLogger("error") });

test("functions load into the workers that run them, and unload from those", async () => {
  const pool = newPool(2);
  try {
    for (const key of ["a", "b", "c"]) pool.load(await fn(key, "busy-wait"));
    expect(pool.stats().functionsHeld).toBe(0);

    expect((await pool.invoke("a", "a-1", request())).outcome).toBe("ok");
    expect(pool.stats().functionsHeld).toBe(1);

    // Enough at once that both workers take some (each holds up to 16).
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.invoke("a", `a-burst-${i}`, request())));
    expect(burst.every((r) => r.outcome === "ok")).toBe(true);
    expect(pool.stats().functionsHeld).toBe(2);

    expect((await pool.invoke("b", "b-1", request())).outcome).toBe("ok");
    expect(pool.stats().functionsHeld).toBe(3);

    pool.unload("a");
    expect(pool.stats().functionsHeld).toBe(1);
    expect((await pool.invoke("a", "a-gone", request())).outcome).toBe("not_found");
    expect((await pool.invoke("b", "b-2", request())).outcome).toBe("ok");
    expect((await pool.invoke("c", "c-1", request())).outcome).toBe("ok");
    expect(pool.stats().functionsHeld).toBe(2);
  } finally {
    await pool.close(100);
  }
});

test("a new version under the same key replaces the old one in the worker that ran it", async () => {
  const pool = newPool(1);
  try {
    pool.load(await fn("f", "empty"));
    const before = await pool.invoke("f", "v1", request());
    expect(before).toMatchObject({ outcome: "ok", response: { status: 200 } });
    pool.load(await fn("f", "status-and-headers"));
    const after = await pool.invoke("f", "v2", request());
    expect(after).toMatchObject({ outcome: "ok", response: { status: 201 } });
    expect(pool.stats().functionsHeld).toBe(1);
  } finally {
    await pool.close(100);
  }
});

test("an invocation queued for a function unloaded meanwhile is not_found, and loads it nowhere", async () => {
  const pool = newPool(1);
  try {
    pool.load(await fn("slow", "busy-wait"));
    pool.load(await fn("gone", "busy-wait"));
    const slow = pool.invoke("slow", "slow", request(300));
    await Bun.sleep(50);
    // The one worker has run "slow" for longer than counts as slow: nothing is queued behind it
    // in the worker, so this waits in the pool's queue.
    const queued = pool.invoke("gone", "queued", request());
    await Bun.sleep(10);
    expect(pool.stats().queued).toBe(1);
    pool.unload("gone");
    expect(await queued).toMatchObject({ outcome: "not_found" });
    expect((await slow).outcome).toBe("ok");
    expect(pool.stats().functionsHeld).toBe(1);
  } finally {
    await pool.close(100);
  }
});
