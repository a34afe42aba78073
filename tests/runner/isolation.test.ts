// Invocations share nothing, and a guest that misbehaves costs only its own invocation:
// fresh-state.wat (no state survives), oob-pointer.wat (every out-of-bounds access traps), trap.wat.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectOutcome } from "../helpers/expect-outcome";
import { sample } from "../helpers/metrics-text";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

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

describe("request and response bytes", () => {
  // A worker reads each request where it lies in the shared ring and reuses one response buffer
  // (wire.ts, response-body.ts): neither may show one invocation another's bytes. Sizes mix the
  // tiny, the reused buffer's limit and past it, and past what a ring record holds (those go by
  // message). late-echo reads the body 1 ms into its run while 48 requests in flight on one
  // worker keep the 1 MiB jobs ring full and wrapping.
  const SIZES = [1, 13, 5_000, 65_536, 65_537, 150_000, 200_000, 250_000, 300_000, 0, 40];

  test("every answer holds exactly its own request's bytes, whatever ran before it", async () => {
    const runner = await startTestRunner(guest("late-echo"), { workers: 1 });
    try {
      const bodies = Array.from({ length: 220 }, (_, i) => {
        const size = SIZES[i % SIZES.length]!;
        const bytes = new Uint8Array(size);
        for (let k = 0; k < size; k++) bytes[k] = (i * 31 + k * 7) & 0xff;
        return bytes;
      });
      let next = 0;
      const mismatches: number[] = [];
      const lane = async () => {
        while (next < bodies.length) {
          const i = next++;
          const res = await runner.fetch("/", { method: "POST", body: bodies[i] });
          const got = new Uint8Array(await res.arrayBuffer());
          if (res.status !== 200 || Buffer.compare(got, bodies[i]!) !== 0) mismatches.push(i);
        }
      };
      await Promise.all(Array.from({ length: 48 }, lane));
      expect(mismatches).toEqual([]);
    } finally {
      await runner.stop();
    }
  });
});
