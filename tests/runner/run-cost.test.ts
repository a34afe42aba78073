// How the pool judges a function's cost (run-cost.ts) and measures it (cpu-meter.ts): by what a
// run costs the worker's CPU, so that a fast run which only waited for a CPU is not slow.
import { expect, test } from "bun:test";
import { CpuMeter } from "../../runner/sandbox/cpu-meter";
import { HEAVY_MS, RunCost, SLOW_MEMORY_MS, SLOW_MS } from "../../runner/sandbox/run-cost";

test("one run over SLOW_MS, or one that timed out, makes a function slow at once", () => {
  const a = new RunCost();
  for (let i = 0; i < 10; i++) a.observe(0.01);
  expect(a.observe(SLOW_MS + 1)).toBe(true);
  expect(a.slow).toBe(true);
  const b = new RunCost();
  for (let i = 0; i < 10; i++) b.observe(0.01);
  expect(b.observe(0.5, true)).toBe(true);
});

test("a typical run over HEAVY_MS makes it slow; a cold first run does not", () => {
  const heavy = new RunCost();
  for (let i = 0; i < 3; i++) heavy.observe(HEAVY_MS * 2);
  expect(heavy.slow).toBe(false); // still settling
  heavy.observe(HEAVY_MS * 2);
  expect(heavy.slow).toBe(true);
  const cold = new RunCost();
  cold.observe(HEAVY_MS * 4); // the first run on a worker: loading, compiling, first touches
  for (let i = 0; i < 10; i++) cold.observe(0.004);
  expect(cold.slow).toBe(false);
  expect(cold.estimate(1)).toBeLessThan(0.01);
});

test("a slow function becomes fast again only once its typical run falls under half of HEAVY_MS and its last slow run is SLOW_MEMORY_MS old", () => {
  let now = 0;
  const cost = new RunCost(SLOW_MEMORY_MS, () => now);
  for (let i = 0; i < 4; i++) cost.observe(0.01);
  cost.observe(500, true);
  let runs = 0;
  while (runs < 100) {
    cost.observe(0.01);
    runs++;
  }
  expect(cost.slow).toBe(true); // cheap runs alone do not bring a loop back: 10 s have not passed
  now = SLOW_MEMORY_MS;
  cost.observe(0.01);
  expect(cost.slow).toBe(false);
  // The time alone does not either: right after a timeout, its typical run is still high.
  cost.observe(500, true);
  now += 2 * SLOW_MEMORY_MS;
  runs = 0;
  while (cost.slow && runs < 100) {
    cost.observe(0.01);
    runs++;
  }
  expect(runs).toBeGreaterThan(20);
  expect(runs).toBeLessThan(40);
});

test("seen running long marks only a function whose cost is not known yet", () => {
  const unknown = new RunCost();
  expect(unknown.sighted()).toBe(true);
  const known = new RunCost();
  known.observe(0.01);
  expect(known.sighted()).toBe(false); // a fast function that waited for a CPU
  expect(known.slow).toBe(false);
});

test("the CPU meter tells a run that waited from one that worked", () => {
  const meter = new CpuMeter();
  meter.before();
  let started = performance.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60); // off the CPU for 60 ms
  const wall = performance.now() - started;
  const waited = meter.after(wall);
  // Far below its wall time (a collection on this thread may still take some ms: seen 12 in CI).
  expect(waited).toBeLessThan(wall / 2);
  meter.before();
  started = performance.now();
  const cpuMs = () => {
    const used = process.threadCpuUsage();
    return (used.user + used.system) / 1000;
  };
  const from = cpuMs();
  while (cpuMs() - from < 10); // on the CPU for 10 ms, however long that takes on a busy machine
  const worked = meter.after(performance.now() - started);
  expect(worked).toBeGreaterThanOrEqual(10);
  // Short runs are not measured.
  meter.before();
  expect(meter.after(HEAVY_MS / 2)).toBeNaN();
});

test("heavy: most of its recent runs over HEAVY_MS; runaway: a run into its limit within the memory", () => {
  let now = 0;
  const mixed = new RunCost(SLOW_MEMORY_MS, () => now);
  for (let i = 0; i < 7; i++) mixed.observe(0.01);
  mixed.observe(600); // one long request among quick ones
  expect([mixed.slow, mixed.heavy, mixed.runaway]).toEqual([true, false, false]);
  const heavy = new RunCost(SLOW_MEMORY_MS, () => now);
  for (let i = 0; i < 8; i++) heavy.observe(450);
  expect([heavy.slow, heavy.heavy, heavy.runaway]).toEqual([true, true, false]);
  mixed.observe(500, true);
  expect(mixed.runaway).toBe(true);
  now = SLOW_MEMORY_MS;
  expect(mixed.runaway).toBe(false);
});
