// Functions seen running slow go to the spare workers first, so fast functions keep a regular
// worker: with one regular worker and one spare, a fast request sent while a slow function runs
// is answered before the slow one ends. Without the spare it waits behind it (second test).
// A function that keeps running slow stays marked, and spares run in the background. The spares
// start only once some function is seen running slow.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool } from "../../runner/sandbox/pool";
import type { RequestParts } from "../../runner/sandbox/wire";
import { guest } from "../fixtures/guests";
import { loadedFunction } from "../helpers/loaded-function";

const request = (waitMs: number): RequestParts => ({
  method: "GET",
  uri: "/",
  headers: `x-wait-ms: ${waitMs}\n`,
  body: null,
});

async function busyPool(spares: number, slowMemoryMs?: number): Promise<WorkerPool> {
  const prepared = await compileArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  const pool = new WorkerPool({
    size: 1,
    spares,
    queueLimit: 16,
    slowMemoryMs,
    logLevel: "error",
    logger: createLogger("error"),
  });
  pool.load(loadedFunction("slow", prepared.artifact));
  pool.load(loadedFunction("fast", prepared.artifact));
  return pool;
}

const held = (pool: WorkerPool): number[] =>
  (pool as unknown as { slots: { inflight: { size: number } }[] }).slots.map((s) => s.inflight.size);

/** Runs "slow" once while a fast probe looks at the worker, which marks "slow" as slow. */
async function markSlow(pool: WorkerPool): Promise<void> {
  expect((await pool.invoke("fast", "warm", request(0))).outcome).toBe("ok");
  const first = pool.invoke("slow", "slow-1", request(150));
  await Bun.sleep(30);
  await pool.invoke("fast", "probe", request(0)); // sees slow-1 running long: marks "slow"
  expect((await first).outcome).toBe("ok");
}

/** `slowMs`: how long slow-2 runs. */
async function firstToFinish(spares: number, slowMs: number): Promise<string[]> {
  const pool = await busyPool(spares);
  try {
    const order: string[] = [];
    await markSlow(pool);
    // Now "slow" is known slow: its next run goes to the spare, and fast work keeps the regular worker.
    const second = pool.invoke("slow", "slow-2", request(slowMs)).then((r) => order.push(`slow-2 ${r.outcome}`));
    await Bun.sleep(30);
    if (spares > 0) expect(held(pool)).toEqual([0, 1]); // on the spare, not on the regular worker
    const fast = pool.invoke("fast", "fast", request(0)).then((r) => order.push(`fast ${r.outcome}`));
    await Promise.all([second, fast]);
    return order;
  } finally {
    await pool.close(100);
  }
}

test("with a spare worker, a fast request is not held behind a slow function", async () => {
  // 2 s: far longer than a fast run takes, even on a machine busy with other test files.
  expect(await firstToFinish(1, 2000)).toEqual(["fast ok", "slow-2 ok"]);
});

test("the spares start when a function is first seen running slow, not before", async () => {
  const pool = await busyPool(2);
  try {
    for (let i = 0; i < 20; i++) expect((await pool.invoke("fast", `fast-${i}`, request(0))).outcome).toBe("ok");
    expect(pool.stats().workers).toBe(1);
    await markSlow(pool);
    expect(pool.stats().workers).toBe(3);
    expect((await pool.invoke("slow", "on-a-spare", request(20))).outcome).toBe("ok");
  } finally {
    await pool.close(100);
  }
});

test("without one, it waits for the slow run to end (what the spares are for)", async () => {
  expect(await firstToFinish(0, 400)).toEqual(["slow-2 ok", "fast ok"]);
});

test("a slow function stays on the spares until its runs show it fast and its last slow run is old enough, however long it was idle", async () => {
  const pool = await busyPool(1, 400);
  try {
    await markSlow(pool);
    // After a pause shorter than the memory it still goes to the spare.
    await Bun.sleep(100);
    let next = pool.invoke("slow", "after-a-pause", request(100));
    await Bun.sleep(30);
    expect(held(pool)).toEqual([0, 1]);
    await next;
    // Quick runs bring its typical run time down, but the last slow run is not 400 ms old yet.
    for (let i = 0; i < 40; i++) expect((await pool.invoke("slow", `quick-${i}`, request(0))).outcome).toBe("ok");
    const slowNow = () =>
      (pool as unknown as { functions: Map<string, { cost: { slow: boolean } }> }).functions.get("slow")!.cost.slow;
    expect(slowNow()).toBe(true);
    // Once it is, a cheap run tells it is fast again.
    await Bun.sleep(450);
    expect((await pool.invoke("slow", "quick-last", request(0))).outcome).toBe("ok");
    expect(slowNow()).toBe(false);
    // (Where its next run starts is then the regular worker; one that runs long there is moved
    // back to the spare at once: pool-fairness.test.ts.)
  } finally {
    await pool.close(100);
  }
});

/** Scheduling policy of thread `tid` of this process (field 41 of its stat). */
function policyOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  // Fields after the command name, which may itself hold spaces and parentheses.
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[41 - 3]);
}

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
test.skipIf(process.platform !== "linux")(
  "on a spare, a function that ran into its time limit runs as SCHED_IDLE; one that finishes does not",
  async () => {
    const prepared = await compileArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
    if (!prepared.ok) throw new Error(prepared.message);
    const pool = new WorkerPool({
      size: 1,
      spares: 1,
      queueLimit: 16,
      logLevel: "error",
      logger: createLogger("error"),
    });
    pool.load(loadedFunction("fast", prepared.artifact));
    pool.load(loadedFunction("slow", prepared.artifact));
    pool.load(loadedFunction("loop", prepared.artifact, { maxExecutionMs: 120 }));
    const slots = (pool as unknown as { slots: { control: Int32Array }[] }).slots;
    /** The spare's policy while `key` runs there for ~150 ms. */
    const policyWhileRunning = async (key: string): Promise<number> => {
      const running = pool.invoke(key, `${key}-probe`, request(150));
      await Bun.sleep(60);
      const tid = slots[1]!.control[3]!; // CONTROL_TID
      expect(held(pool)).toEqual([0, 1]);
      const policy = policyOf(tid);
      await running;
      return policy;
    };
    try {
      expect((await pool.invoke("fast", "warm", request(0))).outcome).toBe("ok");
      // Both get marked slow by a fast request that finds them running long on the regular worker.
      for (const key of ["slow", "loop"]) {
        const first = pool.invoke(key, `${key}-1`, request(150));
        await Bun.sleep(30);
        await pool.invoke("fast", "probe", request(0));
        await first;
      }
      // "loop" timed out (120 ms limit, 150 ms asked) on the regular worker; on the spare it now
      // runs in the background. Its timeout there is what marks it: run it once more first.
      expect((await pool.invoke("loop", "loop-2", request(150))).outcome).toBe("timeout");
      expect(await policyWhileRunning("loop")).toBe(SCHED_IDLE);
      // Back at the normal priority as soon as the runaway's run ends: waiting in the background,
      // the spare would start its next job only when nothing else wanted a CPU.
      expect(policyOf(slots[1]!.control[3]!)).toBe(SCHED_OTHER);
      expect(await policyWhileRunning("slow")).toBe(SCHED_OTHER);
    } finally {
      await pool.close(100);
    }
  },
);
