// Invocations share nothing, and a guest that misbehaves costs only its own invocation:
// fresh-state.wat (no state survives), oob-pointer.wat (every out-of-bounds access traps), trap.wat.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectOutcome } from "../helpers/expect-outcome";
import { guest } from "../helpers/guests";
import { sample } from "../helpers/metrics-text";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

const FRESH = "global=1 memory=1 tail=1 data=pristine";

describe("fresh state", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner(guest("fresh-state"), { workers: 2 });
  });
  afterAll(() => runner.stop());

  test("sequential invocations on the same workers each see a fresh instance and a zeroed memory", async () => {
    const texts: string[] = [];
    for (let i = 0; i < 12; i++) texts.push(await (await runner.fetch("/")).text());
    expect(texts).toEqual(Array(12).fill(FRESH));
  });

  test("concurrent invocations each see fresh state", async () => {
    const texts = await Promise.all(Array.from({ length: 16 }, async () => (await runner.fetch("/")).text()));
    expect(texts).toEqual(Array(16).fill(FRESH));
  });
});

describe("out-of-bounds pointers", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    // One worker, so every case and every check after it runs on the same worker.
    runner = await startTestRunner(guest("oob-pointer"), { workers: 1 });
  });
  afterAll(() => runner.stop());

  test("pointers and lengths exactly at the end of memory are in bounds", async () => {
    const res = await runner.fetch("/");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("!in bounds");
  });

  test.each([
    ["0", "response_write range straddling the end"],
    ["1", "response_write length 0xffffffff"],
    ["2", "request_uri buffer past the end"],
    ["3", "request_header for an absent header into a buffer past the end"],
    ["4", "log from a negative pointer"],
    ["5", "env_get with a name past the end"],
    ["6", "random_fill past the end"],
    ["7", "response_header value past the end"],
    ["8", "the guest's own load past the end"],
    ["9", "request_body one byte past the end"],
  ])("case %s (%s) traps with 500 and the worker keeps serving", async (kase) => {
    await expectOutcome(await runner.fetch("/", { headers: { "x-case": kase } }), "trap");
    const next = await runner.fetch("/");
    expect(next.status).toBe(200);
    expect(await next.text()).toBe("!in bounds");
  });

  test("no worker was replaced: traps end inside the worker", async () => {
    const text = await (await runner.fetch("/metrics")).text();
    expect(sample(text, "wasm_worker_restarts")).toBe(0);
    expect(sample(text, "wasm_pool_workers")).toBe(1);
  });
});

describe("out-of-bounds with memory at its cap from the start", () => {
  // --memory-pages 1 and a 1-page module: the memory never grew, so a wild load is a guest bug
  // (trap), not the memory limit being reached.
  test("the guest's own load past the end is a trap, not the memory outcome", async () => {
    const runner = await startTestRunner(guest("oob-pointer"), { workers: 1, memoryPages: 1 });
    try {
      await expectOutcome(await runner.fetch("/", { headers: { "x-case": "8" } }), "trap");
    } finally {
      await runner.stop();
    }
  });
});

describe("trap", () => {
  test("unreachable answers the trap outcome; the body names only the outcome and the request id", async () => {
    const runner = await startTestRunner(guest("trap"), { workers: 1 });
    try {
      for (let i = 0; i < 3; i++) await expectOutcome(await runner.fetch("/", { method: "POST", body: "x" }), "trap");
    } finally {
      await runner.stop();
    }
  });
});
