// Functions seen running slow go to the spare workers first, so fast functions keep a regular
// worker: with one regular worker and one spare, a fast request sent while a slow function runs
// is answered before the slow one ends. Without the spare it waits behind it (second test).
import { expect, test } from "bun:test";
import { prepareArtifact } from "../../runner/module/prepare-artifact";
import { createLogger } from "../../runner/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import type { RequestParts } from "../../runner/sandbox/wire";
import { guest } from "../helpers/guests";

const request = (waitMs: number): RequestParts => ({ method: "GET", uri: "/", headers: `x-wait-ms: ${waitMs}\n`, body: null });

async function firstToFinish(spares: number): Promise<string[]> {
  const prepared = prepareArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  const pool = new WorkerPool({ size: 1, spares, queueLimit: 16, logLevel: "error", logger: createLogger("error") });
  const limits = { maxExecutionMs: 5000, maxResponseBytes: 1 << 20, maxLogLines: 10, maxLogLineBytes: 1024 };
  const fn = { module: prepared.artifact.module, entrypoint: "handle", memory: prepared.artifact.memory, env: {}, limits };
  pool.load({ key: "slow", name: "slow", ...fn });
  pool.load({ key: "fast", name: "fast", ...fn });
  try {
    expect((await pool.invoke("fast", "warm", request(0))).outcome).toBe("ok");
    // The first slow run is seen running long (and its function marked slow) while it runs.
    const order: string[] = [];
    const first = pool.invoke("slow", "slow-1", request(150)).then((r) => order.push(`slow-1 ${r.outcome}`));
    await Bun.sleep(30);
    await pool.invoke("fast", "probe", request(0)); // sees slow-1 running long: marks "slow"
    await first;
    // Now "slow" is known slow: its next run goes to the spare, and fast work keeps the regular worker.
    const second = pool.invoke("slow", "slow-2", request(400)).then((r) => order.push(`slow-2 ${r.outcome}`));
    await Bun.sleep(30);
    const held = (pool as unknown as { slots: { inflight: Map<number, unknown> }[] }).slots.map((s) => s.inflight.size);
    if (spares > 0) expect(held).toEqual([0, 1]); // on the spare, not on the regular worker
    const fast = pool.invoke("fast", "fast", request(0)).then((r) => order.push(`fast ${r.outcome}`));
    await Promise.all([second, fast]);
    return order.slice(1);
  } finally {
    await pool.close(100);
  }
}

test("with a spare worker, a fast request is not held behind a slow function", async () => {
  expect(await firstToFinish(1)).toEqual(["fast ok", "slow-2 ok"]);
});

test("without one, it waits for the slow run to end (what the spares are for)", async () => {
  expect(await firstToFinish(0)).toEqual(["slow-2 ok", "fast ok"]);
});
