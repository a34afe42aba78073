// /metrics: the invocation metrics named by the contract, labelled by function (and outcome),
// moving with each invocation, plus the pool and queue gauges.
import { describe, expect, test } from "bun:test";
import { sample } from "../helpers/metrics-text";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

const scrape = async (runner: TestRunner) => {
  const res = await runner.fetch("/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/plain");
  return res.text();
};

describe("metrics", () => {
  test("the exposition names the invocation metrics with their types and the pool/queue gauges", async () => {
    const runner = await startTestRunner(guest("bad-status"), { name: "named-fn", workers: 3, queue: 7 });
    try {
      const text = await scrape(runner);
      expect(text).toContain("# TYPE wasm_invoke_count_total counter");
      expect(text).toContain("# TYPE wasm_invoke_errors_total counter");
      expect(text).toContain("# TYPE wasm_invoke_latency_seconds histogram");
      expect(sample(text, "wasm_pool_workers")).toBe(3);
      expect(sample(text, "wasm_pool_busy_workers")).toBe(0);
      expect(sample(text, "wasm_queue_depth")).toBe(0);
      expect(sample(text, "wasm_queue_capacity")).toBe(7);
      expect(sample(text, "wasm_worker_restarts")).toBe(0);
      expect(sample(text, "wasm_worker_functions_held")).toBe(0);
      // The process metrics too, though prom-client is loaded only now (observe/metrics.ts).
      expect(text).toContain("# TYPE process_cpu_user_seconds_total counter");
      expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
    } finally {
      await runner.stop();
    }
  });

  test("counts, errors by outcome and the latency histogram move with invocations, labelled by function", async () => {
    const runner = await startTestRunner(guest("bad-status"), { name: "named-fn", maxBodyBytes: 16 });
    try {
      for (let i = 0; i < 3; i++)
        expect((await runner.fetch("/", { headers: { "x-status": "200" } })).status).toBe(200);
      for (let i = 0; i < 2; i++)
        expect((await runner.fetch("/", { headers: { "x-status": "700" } })).status).toBe(500);
      expect((await runner.fetch("/", { method: "POST", body: "x".repeat(17) })).status).toBe(413);
      // Scrapes and health checks are not invocations.
      await runner.fetch("/healthz");
      await scrape(runner);

      const text = await scrape(runner);
      const fn = { function: "named-fn" };
      expect(sample(text, "wasm_invoke_count_total", { ...fn, outcome: "ok" })).toBe(3);
      expect(sample(text, "wasm_invoke_count_total", { ...fn, outcome: "trap" })).toBe(2);
      expect(sample(text, "wasm_invoke_count_total", { ...fn, outcome: "body_too_large" })).toBe(1);
      expect(sample(text, "wasm_invoke_errors_total", { ...fn, outcome: "trap" })).toBe(2);
      expect(sample(text, "wasm_invoke_errors_total", { ...fn, outcome: "body_too_large" })).toBe(1);
      expect(sample(text, "wasm_invoke_errors_total", { ...fn, outcome: "ok" })).toBeUndefined();
      expect(sample(text, "wasm_invoke_latency_seconds_count", fn)).toBe(6);
      expect(sample(text, "wasm_invoke_latency_seconds_bucket", { ...fn, le: "+Inf" })).toBe(6);
      expect(sample(text, "wasm_invoke_latency_seconds_sum", fn)).toBeGreaterThan(0);
    } finally {
      await runner.stop();
    }
  });

  test("a timeout is counted under its outcome", async () => {
    const runner = await startTestRunner(guest("loop-forever"), { name: "spinner", maxExecutionMs: 50, workers: 1 });
    try {
      expect((await runner.fetch("/", { headers: { "x-spin": "1" } })).status).toBe(504);
      const text = await scrape(runner);
      expect(sample(text, "wasm_invoke_count_total", { function: "spinner", outcome: "timeout" })).toBe(1);
      expect(sample(text, "wasm_invoke_errors_total", { function: "spinner", outcome: "timeout" })).toBe(1);
    } finally {
      await runner.stop();
    }
  });

  test("the busy and queue gauges show work in flight", async () => {
    const runner = await startTestRunner(guest("busy-wait"), { workers: 1, queue: 4, maxExecutionMs: 2000 });
    try {
      const inFlight = [
        runner.fetch("/", { headers: { "x-wait-ms": "300" } }),
        runner.fetch("/", { headers: { "x-wait-ms": "10" } }),
      ];
      await Bun.sleep(80);
      const during = await scrape(runner);
      expect(sample(during, "wasm_pool_busy_workers")).toBe(1);
      // The second invocation waits either in the runner's queue or in the worker's pipeline.
      expect((sample(during, "wasm_queue_depth") ?? NaN) + (sample(during, "wasm_worker_backlog") ?? NaN)).toBe(1);
      await Promise.all((await Promise.all(inFlight)).map((r) => r.arrayBuffer()));
      const after = await scrape(runner);
      expect(sample(after, "wasm_pool_busy_workers")).toBe(0);
      expect(sample(after, "wasm_queue_depth")).toBe(0);
      expect(sample(after, "wasm_worker_backlog")).toBe(0);
    } finally {
      await runner.stop();
    }
  });
});
