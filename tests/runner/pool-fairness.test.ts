// One function never starves another in the pool: per-function caps, queues and waits, the
// queues served round-robin, slow functions kept to their share of the spares. Real Workers and
// a real guest (busy-wait: spins for x-wait-ms, then answers "waited").
import { expect, test } from "bun:test";
import { compileArtifact } from "../../core/module/compile-module";
import { createLogger } from "../../core/observe/log";
import { WorkerPool, type InvocationResult, type PoolOptions } from "../../runner/sandbox/pool";
import type { RequestParts } from "../../runner/sandbox/wire";
import { wat } from "../fixtures/wat";
import { guest } from "../fixtures/guests";
import { loadedFunction } from "../helpers/loaded-function";

const request = (waitMs: number): RequestParts => ({
  method: "GET",
  uri: "/",
  headers: `x-wait-ms: ${waitMs}\n`,
  body: null,
});
const prepared = await compileArtifact(guest("busy-wait"), { memoryPages: 16, entrypoint: "handle" });
if (!prepared.ok) throw new Error(prepared.message);
const { artifact } = prepared;

function newPool(
  options: Partial<PoolOptions> & { size: number },
  fns: Record<string, { maxConcurrency?: number }>,
): WorkerPool {
  const pool = new WorkerPool({ queueLimit: 64, logLevel: "error", logger: createLogger("error"), ...options });
  for (const [key, { maxConcurrency }] of Object.entries(fns)) {
    pool.load(loadedFunction(key, artifact, { maxConcurrency }));
  }
  return pool;
}

const held = (pool: WorkerPool): number[] =>
  (pool as unknown as { slots: { inflight: { size: number } }[] }).slots.map((s) => s.inflight.size);
const outcomes = (results: InvocationResult[]) => results.map((r) => r.outcome);

/** Runs `key` until it is known slow: a run over 5 ms marks it. */
async function makeSlow(pool: WorkerPool, key: string): Promise<void> {
  expect((await pool.invoke(key, `${key}-slow`, request(30))).outcome).toBe("ok");
}

test("a function's first invocation runs alone; then at most max_concurrency of its invocations are in workers, the rest queue", async () => {
  const pool = newPool({ size: 2 }, { capped: { maxConcurrency: 3 } });
  try {
    const first = Array.from({ length: 10 }, (_, i) => pool.invoke("capped", `a-${i}`, request(0)));
    // Nothing is known of its cost yet: one runs, nine wait in its queue.
    expect(pool.stats()).toMatchObject({ inWorkers: 1, queued: 9 });
    expect(outcomes(await Promise.all(first))).toEqual(Array(10).fill("ok"));
    const next = Array.from({ length: 10 }, (_, i) => pool.invoke("capped", `b-${i}`, request(0)));
    expect(pool.stats()).toMatchObject({ inWorkers: 3, queued: 7 });
    expect(outcomes(await Promise.all(next))).toEqual(Array(10).fill("ok"));
  } finally {
    await pool.close(100);
  }
});

test("queues are served round-robin: a function with a long queue does not hold the head of another's", async () => {
  const pool = newPool({ size: 1 }, { busy: {}, other: {} });
  try {
    await makeSlow(pool, "busy");
    expect((await pool.invoke("other", "warm", request(0))).outcome).toBe("ok");
    const order: string[] = [];
    const track = (name: string, p: Promise<InvocationResult>) => p.then((r) => order.push(`${name} ${r.outcome}`));
    const busy = Array.from({ length: 6 }, (_, i) => track(`busy-${i}`, pool.invoke("busy", `busy-${i}`, request(40))));
    const other = track("other", pool.invoke("other", "other", request(0)));
    await Promise.all([...busy, other]);
    // busy-0 was running when "other" came; "other" got the next turn, not the sixth.
    expect(order.indexOf("other ok")).toBeLessThanOrEqual(2);
    expect(order).toHaveLength(7);
  } finally {
    await pool.close(100);
  }
});

test("over its queue a request waits up to the overload wait for a place; what cannot start in time is refused", async () => {
  const pool = newPool({ size: 1, queueLimit: 1, waitMs: 150 }, { f: {} });
  try {
    await makeSlow(pool, "f");
    const started = performance.now();
    const running = pool.invoke("f", "running", request(400));
    const queued = pool.invoke("f", "queued", request(0));
    const waiting = pool.invoke("f", "waiting", request(0));
    expect(pool.stats()).toMatchObject({ inWorkers: 1, queued: 1, waiting: 1 });
    const [q, w] = await Promise.all([queued, waiting]);
    const waited = performance.now() - started;
    expect([q.outcome, w.outcome]).toEqual(["overload", "overload"]);
    expect(waited).toBeGreaterThanOrEqual(0.75 * 150 - 10); // the wait is jittered: 3/4 of it to all of it
    expect(waited).toBeLessThan(390); // before the running one ended: they did not wait for the worker
    expect((await running).outcome).toBe("ok");
  } finally {
    await pool.close(100);
  }
});

test("a waiting request gets a place as soon as one frees, and runs", async () => {
  const pool = newPool({ size: 1, queueLimit: 1, waitMs: 2000 }, { f: {} });
  try {
    await makeSlow(pool, "f");
    const all = ["a", "b", "c"].map((id) => pool.invoke("f", id, request(60)));
    expect(pool.stats()).toMatchObject({ inWorkers: 1, queued: 1, waiting: 1 });
    expect(outcomes(await Promise.all(all))).toEqual(["ok", "ok", "ok"]);
  } finally {
    await pool.close(100);
  }
});

test("with no wait, a request over a full queue is refused at once", async () => {
  const pool = newPool({ size: 1, queueLimit: 1, waitMs: 0 }, { f: {} });
  try {
    await makeSlow(pool, "f");
    const running = pool.invoke("f", "running", request(200));
    const queued = pool.invoke("f", "queued", request(0));
    const started = performance.now();
    const refused = await pool.invoke("f", "refused", request(0));
    expect(refused).toMatchObject({ outcome: "overload", detail: "function queue full (1)" });
    expect(performance.now() - started).toBeLessThan(100);
    expect(outcomes(await Promise.all([running, queued]))).toEqual(["ok", "ok"]);
  } finally {
    await pool.close(100);
  }
});

test("one function's full queue does not refuse another's requests", async () => {
  const pool = newPool({ size: 1, queueLimit: 8, functionQueueLimit: 2, waitMs: 0 }, { flood: {}, calm: {} });
  try {
    await makeSlow(pool, "flood");
    expect((await pool.invoke("calm", "warm", request(0))).outcome).toBe("ok");
    const flood = Array.from({ length: 6 }, (_, i) => pool.invoke("flood", `flood-${i}`, request(50)));
    const calm = await pool.invoke("calm", "calm", request(0));
    expect(calm.outcome).toBe("ok");
    // One ran, two queued, three refused: its own bound, not the node's.
    expect(outcomes(await Promise.all(flood)).sort()).toEqual(["ok", "ok", "ok", "overload", "overload", "overload"]);
  } finally {
    await pool.close(100);
  }
});

test("a slow function runs on the spares only, one invocation at a time on a 2-worker node; fast work keeps the regular workers", async () => {
  const pool = newPool({ size: 2, spares: 2 }, { slow: {}, fast: {} });
  try {
    expect((await pool.invoke("fast", "warm", request(0))).outcome).toBe("ok");
    await makeSlow(pool, "slow");
    const slow = Array.from({ length: 4 }, (_, i) => pool.invoke("slow", `slow-${i}`, request(100)));
    await Bun.sleep(30);
    const inWorkers = held(pool);
    expect(inWorkers.slice(0, 2)).toEqual([0, 0]); // nothing on the regular workers
    expect(inWorkers[2]! + inWorkers[3]!).toBe(1); // one on a spare: its share
    expect(pool.stats().queued).toBe(3);
    const fastStarted = performance.now();
    expect((await pool.invoke("fast", "fast", request(0))).outcome).toBe("ok");
    expect(performance.now() - fastStarted).toBeLessThan(50);
    expect(outcomes(await Promise.all(slow))).toEqual(Array(4).fill("ok"));
  } finally {
    await pool.close(100);
  }
});

test("with no spares, slow functions leave the last regular worker to the others", async () => {
  const pool = newPool({ size: 2, spares: 0 }, { s1: {}, s2: {}, fast: {} });
  try {
    expect((await pool.invoke("fast", "warm", request(0))).outcome).toBe("ok");
    await makeSlow(pool, "s1");
    await makeSlow(pool, "s2");
    const s1 = pool.invoke("s1", "s1", request(200));
    const s2 = pool.invoke("s2", "s2", request(200));
    await Bun.sleep(30);
    expect(held(pool).sort()).toEqual([0, 1]); // s2 waits: the other worker is kept
    const fastStarted = performance.now();
    expect((await pool.invoke("fast", "fast", request(0))).outcome).toBe("ok");
    expect(performance.now() - fastStarted).toBeLessThan(50);
    expect(outcomes(await Promise.all([s1, s2]))).toEqual(["ok", "ok"]);
  } finally {
    await pool.close(100);
  }
});

test("a run that goes long on a regular worker beside other functions moves to a spare, with what is left of its time limit", async () => {
  const pool = newPool({ size: 1, spares: 1 }, { f: {}, other: {} });
  const loop = await compileArtifact(guest("loop-forever"), { memoryPages: 16, entrypoint: "handle" });
  if (!loop.ok) throw new Error(loop.message);
  pool.load(loadedFunction("spin", loop.artifact, { maxExecutionMs: 300 }));
  try {
    for (let i = 0; i < 5; i++) expect((await pool.invoke("f", `warm-${i}`, request(0))).outcome).toBe("ok");
    expect((await pool.invoke("spin", "warm", { method: "GET", uri: "/", headers: "", body: null })).outcome).toBe(
      "ok",
    );
    // f is known fast: this 200 ms run starts on the regular worker, and is moved once seen long.
    const long = pool.invoke("f", "long", request(200));
    await Bun.sleep(80);
    expect(held(pool)).toEqual([0, 1]);
    const result = await long;
    expect(result.outcome).toBe("ok");
    expect(new TextDecoder().decode(result.response!.body!)).toBe("waited");
    expect((await pool.invoke("other", "other", request(0))).outcome).toBe("ok");
    // A loop moved keeps its deadline: it ends at its 300 ms limit, not 300 ms after the move.
    const started = performance.now();
    const spun = await pool.invoke("spin", "spin", { method: "GET", uri: "/", headers: "x-spin: 1\n", body: null });
    expect(spun.outcome).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(300 + 150);
  } finally {
    await pool.close(100);
  }
});

test("a run that has logged is not moved: its lines are never written twice", async () => {
  const pool = newPool({ size: 1, spares: 1 }, { other: {} });
  const logsThenWaits = wat(`(module
    (import "edge" "log" (func $log (param i32 i32 i32)))
    (import "edge" "time_now_ms" (func $now (result f64)))
    (import "edge" "response_write" (func $write (param i32 i32)))
    (memory 1)
    (data (i32.const 100) "started")
    (func (export "handle") (local $until f64)
      (call $log (i32.const 1) (i32.const 100) (i32.const 7))
      (local.set $until (f64.add (call $now) (f64.const 150)))
      (loop $spin (br_if $spin (f64.lt (call $now) (local.get $until))))
      (call $write (i32.const 100) (i32.const 7))))`);
  const prepared = await compileArtifact(logsThenWaits, { memoryPages: 16, entrypoint: "handle" });
  if (!prepared.ok) throw new Error(prepared.message);
  pool.load(loadedFunction("logger", prepared.artifact, { maxExecutionMs: 2000 }));
  try {
    const running = pool.invoke("logger", "logs-once", { method: "GET", uri: "/", headers: "", body: null });
    await Bun.sleep(80);
    expect(held(pool)).toEqual([1, 0]); // seen long, but it logged: it stays where it runs
    expect((await running).outcome).toBe("ok");
  } finally {
    await pool.close(100);
  }
});
