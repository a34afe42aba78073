// Every limit ends one invocation with its outcome and leaves the runner serving:
// time (loop-forever, loop-in-start), memory (memory-bomb), stack (recursion), the queue
// (busy-wait), the request body (body-echo) and the response size (huge-response).
// Timing assertions are deliberately loose: behaviour, not performance.
import { describe, expect, test } from "bun:test";
import { expectOutcome } from "../helpers/expect-outcome";
import { sample } from "../helpers/metrics-text";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import type { RunnerConfig } from "../../runner/config";
import { MAX_CALL_DEPTH } from "../../core/abi/edge-v1";
import { guest, type GuestName } from "../fixtures/guests";

async function withRunner(
  name: GuestName,
  overrides: Partial<RunnerConfig>,
  body: (runner: TestRunner) => Promise<void>,
): Promise<void> {
  const runner = await startTestRunner(guest(name), overrides);
  try {
    await body(runner);
  } finally {
    await runner.stop();
  }
}

/** Time until the whole answer has arrived, not just its head; `res` is a readable copy. */
async function timed(request: Promise<Response>): Promise<{ res: Response; ms: number }> {
  const started = performance.now();
  const original = await request;
  const body = await original.arrayBuffer();
  const ms = performance.now() - started;
  return { res: new Response(body, { status: original.status, headers: original.headers }), ms };
}

const restarts = async (runner: TestRunner) =>
  sample(await (await runner.fetch("/metrics")).text(), "wasm_worker_restarts");

describe("time limit", () => {
  test("an infinite loop answers 504 at about --max-execution-ms, and the worker is free right after", () =>
    withRunner("loop-forever", { maxExecutionMs: 100, workers: 1 }, async (runner) => {
      const started = performance.now();
      const res = await runner.fetch("/", { headers: { "x-spin": "1" } });
      const ms = performance.now() - started;
      await expectOutcome(res, "timeout");
      expect(ms).toBeGreaterThanOrEqual(90);
      expect(ms).toBeLessThan(1000);
      // The only worker is usable again at once.
      const next = await timed(runner.fetch("/"));
      expect(next.res.status).toBe(200);
      expect(next.ms).toBeLessThan(500);
    }));

  test("other requests are served while a loop runs", () =>
    withRunner("loop-forever", { maxExecutionMs: 300, workers: 2 }, async (runner) => {
      let spinDone = 0;
      const spin = runner.fetch("/", { headers: { "x-spin": "1" } }).then((res) => {
        spinDone = performance.now();
        return res;
      });
      await Bun.sleep(20);
      const answers: { status: number; text: string; at: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await runner.fetch("/");
        answers.push({ status: res.status, text: await res.text(), at: performance.now() });
      }
      expect(answers.map((a) => [a.status, a.text])).toEqual(Array(5).fill([200, "idle"]));
      expect(spinDone).toBe(0); // all five were answered while the loop was still running
      await expectOutcome(await spin, "timeout");
    }));

  test("several loops at once each time out, and the runner keeps serving", () =>
    withRunner("loop-forever", { maxExecutionMs: 100, workers: 2 }, async (runner) => {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => timed(runner.fetch("/", { headers: { "x-spin": "1" } }))),
      );
      for (const { res, ms } of results) {
        await expectOutcome(res, "timeout");
        expect(ms).toBeLessThan(2000); // two waves of 100 ms on two workers
      }
      const next = await runner.fetch("/");
      expect(await next.text()).toBe("idle");
    }));

  test("a loop in the start function answers 504 too, every time", () =>
    withRunner("loop-in-start", { maxExecutionMs: 100, workers: 1 }, async (runner) => {
      for (let i = 0; i < 2; i++) {
        const { res, ms } = await timed(runner.fetch("/"));
        await expectOutcome(res, "timeout");
        expect(ms).toBeLessThan(1000);
      }
    }));

  test("a function that finishes inside its limit is not cut short", () =>
    withRunner("busy-wait", { maxExecutionMs: 1000, workers: 1 }, async (runner) => {
      const { res, ms } = await timed(runner.fetch("/", { headers: { "x-wait-ms": "150" } }));
      expect(res.status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(140);
    }));
});

describe("memory limit", () => {
  test.each([
    ["o", "a store past the end"],
    ["u", "unreachable"],
  ])(
    "growing until refused, then %s (%s), answers 500 memory; the next invocation starts at the original size",
    (mode) =>
      withRunner("memory-bomb", { memoryPages: 16, workers: 1 }, async (runner) => {
        await expectOutcome(await runner.fetch("/", { headers: { "x-bomb": mode } }), "memory");
        const next = await runner.fetch("/");
        expect(next.status).toBe(200);
        expect(await next.text()).toBe("pages=1");
      }),
  );

  test("memory grown by a successful invocation does not carry over", () =>
    withRunner("memory-bomb", { memoryPages: 16, workers: 1 }, async (runner) => {
      const grown = await runner.fetch("/", { headers: { "x-bomb": "g" } });
      expect(await grown.text()).toBe("pages=2");
      expect(await (await runner.fetch("/")).text()).toBe("pages=1");
    }));
});

describe("stack limit", () => {
  test("unbounded recursion answers 500 stack_overflow and the same worker keeps serving", () =>
    withRunner("recursion", { workers: 1 }, async (runner) => {
      for (let i = 0; i < 2; i++) {
        await expectOutcome(await runner.fetch("/", { headers: { "x-recurse": "1" } }), "stack_overflow");
        const next = await runner.fetch("/");
        expect(next.status).toBe(200);
        expect(await next.text()).toBe("ok");
      }
      expect(await restarts(runner)).toBe(0);
    }));

  // The engine alone would let this guest go ~7,900 frames deep before its code is optimised
  // and ~500,000 after: the counted limit makes the answer the same on the first request and
  // the fortieth (by when the recursion has been optimised).
  test(`recursion nests up to MAX_CALL_DEPTH (${MAX_CALL_DEPTH}) deep, in every request, and no deeper`, () =>
    withRunner("recurse-to", { workers: 1 }, async (runner) => {
      const within = String(MAX_CALL_DEPTH - 100);
      const beyond = String(MAX_CALL_DEPTH + 100);
      for (let i = 0; i < 40; i++) {
        const ok = await runner.fetch("/", { headers: { "x-depth": within } });
        expect(`${ok.status} ${await ok.text()}`).toBe("200 ok");
        await expectOutcome(await runner.fetch("/", { headers: { "x-depth": beyond } }), "stack_overflow");
      }
      expect(await restarts(runner)).toBe(0);
    }));
});

describe("queue limit", () => {
  test("with every worker busy and the queue full, a request is refused at once when told not to wait: 503 with Retry-After", () =>
    withRunner("busy-wait", { workers: 1, queue: 0, overloadWaitMs: 0, maxExecutionMs: 2000 }, async (runner) => {
      const busy = runner.fetch("/", { headers: { "x-wait-ms": "400" } });
      await Bun.sleep(50);
      const { res, ms } = await timed(runner.fetch("/", { headers: { "x-wait-ms": "0" } }));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(ms).toBeLessThan(300);
      const first = await busy;
      expect([first.status, await first.text()]).toEqual([200, "waited"]);
    }));

  test("the 503 body is the overload outcome", () =>
    withRunner("busy-wait", { workers: 1, queue: 0, overloadWaitMs: 0, maxExecutionMs: 2000 }, async (runner) => {
      const busy = runner.fetch("/", { headers: { "x-wait-ms": "300" } });
      await Bun.sleep(50);
      await expectOutcome(await runner.fetch("/", { headers: { "x-wait-ms": "0" } }), "overload");
      await (await busy).arrayBuffer();
    }));

  test("requests within the queue bound wait and are served; only the excess is refused", () =>
    withRunner("busy-wait", { workers: 1, queue: 2, overloadWaitMs: 0, maxExecutionMs: 2000 }, async (runner) => {
      const first = runner.fetch("/", { headers: { "x-wait-ms": "300" } });
      await Bun.sleep(50);
      const queued = [
        runner.fetch("/", { headers: { "x-wait-ms": "10" } }),
        runner.fetch("/", { headers: { "x-wait-ms": "10" } }),
      ];
      await Bun.sleep(50);
      const refused = await runner.fetch("/", { headers: { "x-wait-ms": "10" } });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      const served = await Promise.all([first, ...queued]);
      expect(await Promise.all(served.map(async (r) => [r.status, await r.text()]))).toEqual(
        Array(3).fill([200, "waited"]),
      );
      // The queue drained: the runner takes work again.
      expect((await runner.fetch("/", { headers: { "x-wait-ms": "0" } })).status).toBe(200);
    }));
});

describe("request body limit", () => {
  test("a body at the limit is served; one byte over answers 413 without invoking the function", () =>
    withRunner("body-echo", { maxBodyBytes: 1024, workers: 1 }, async (runner) => {
      const atLimit = new Uint8Array(1024).fill(97);
      const ok = await runner.fetch("/", { method: "POST", body: atLimit });
      expect(ok.status).toBe(200);
      expect((await ok.arrayBuffer()).byteLength).toBe(1024);
      await expectOutcome(await runner.fetch("/", { method: "POST", body: new Uint8Array(1025) }), "body_too_large");
      const metrics = await (await runner.fetch("/metrics")).text();
      expect(sample(metrics, "wasm_invoke_count_total", { function: "test", outcome: "body_too_large" })).toBe(1);
    }));

  test("a streamed (chunked) body over the limit answers 413 too", () =>
    withRunner("body-echo", { maxBodyBytes: 1024, workers: 1 }, async (runner) => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512).fill(98));
          controller.close();
        },
      });
      await expectOutcome(await runner.fetch("/", { method: "POST", body: stream }), "body_too_large");
    }));

  test("a body much larger than the limit gets the same 413 answer", () =>
    withRunner("body-echo", { maxBodyBytes: 1024, workers: 1 }, async (runner) => {
      await expectOutcome(
        await runner.fetch("/", { method: "POST", body: new Uint8Array(3 * 1024 * 1024) }),
        "body_too_large",
      );
    }));
});

describe("response size limit", () => {
  test("a response of exactly --max-response-bytes is sent; one chunk more ends as response_too_large (500)", () =>
    withRunner("huge-response", { maxResponseBytes: 1024 * 1024, workers: 1 }, async (runner) => {
      const ok = await runner.fetch("/", { headers: { "x-chunks": "16" } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toBe("application/octet-stream");
      expect((await ok.arrayBuffer()).byteLength).toBe(1024 * 1024);
      await expectOutcome(await runner.fetch("/", { headers: { "x-chunks": "17" } }), "response_too_large");
      expect((await runner.fetch("/", { headers: { "x-chunks": "1" } })).status).toBe(200);
    }));
});

describe("response header limit", () => {
  test("a guest adding headers forever ends as response_too_large (500), well before its time limit", () =>
    withRunner("header-flood", { maxExecutionMs: 5000, workers: 1 }, async (runner) => {
      const started = performance.now();
      await expectOutcome(await runner.fetch("/"), "response_too_large");
      expect(performance.now() - started).toBeLessThan(4000);
    }));
});

describe("many tiny writes", () => {
  test("a body written one byte per call arrives whole and in order; past the limit it is response_too_large", () =>
    withRunner("byte-writes", { maxResponseBytes: 200_000, workers: 1 }, async (runner) => {
      const res = await runner.fetch("/", { headers: { "x-bytes": "100000" } });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text.length).toBe(100_000);
      expect(text.slice(0, 28)).toBe("abcdefghijklmnopqrstuvwxyzab");
      expect(text.slice(-4)).toBe("abcd"); // bytes 99,996..99,999 are letters 99,996 % 26 = 0 .. 3
      await expectOutcome(await runner.fetch("/", { headers: { "x-bytes": "200001" } }), "response_too_large");
    }));
});
