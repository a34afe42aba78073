// What a worker spent on an invocation (run_ms, wasm_invoke_run_seconds) is told apart from its
// latency: an invocation that waited for the one worker shows the wait in its latency only.
import { expect, test } from "bun:test";
import { sample } from "../helpers/metrics-text";
import { startTestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

interface InvocationLine {
  msg: string;
  request_id: string;
  outcome: string;
  duration_ms: number;
  run_ms?: number;
}

test("an invocation's run time excludes its wait for a worker, in the access log and in /metrics", async () => {
  const lines: string[] = [];
  const runner = await startTestRunner(
    guest("busy-wait"),
    { name: "waiter", workers: 1, queue: 4, maxExecutionMs: 2000, maxBodyBytes: 16 },
    "info",
    (line) => lines.push(line),
  );
  try {
    const wait = (ms: number) => runner.fetch("/", { headers: { "x-wait-ms": String(ms) } });
    // A warm worker, so the long run starts at once.
    expect((await wait(0)).status).toBe(200);
    const long = wait(300);
    await Bun.sleep(50);
    const short = wait(10);
    const [longRes, shortRes] = await Promise.all([long, short]);
    expect([longRes.status, shortRes.status]).toEqual([200, 200]);
    await Promise.all([longRes.text(), shortRes.text()]);
    // Never reaches a worker: counted in latency, not in run time.
    expect((await runner.fetch("/", { method: "POST", body: "x".repeat(17) })).status).toBe(413);

    const byId = new Map<string, InvocationLine>();
    for (const line of lines) {
      const parsed = JSON.parse(line) as InvocationLine;
      if (parsed.msg === "invocation") byId.set(parsed.request_id, parsed);
    }
    const longLine = byId.get(longRes.headers.get("x-request-id")!)!;
    const shortLine = byId.get(shortRes.headers.get("x-request-id")!)!;
    // The guest times itself with the millisecond clock: a run can end a hair before 300 ms by this one.
    expect(longLine.run_ms).toBeGreaterThanOrEqual(295);
    expect(shortLine.run_ms).toBeGreaterThanOrEqual(8);
    expect(shortLine.run_ms).toBeLessThan(150);
    // It waited out most of the long run before it ran.
    expect(shortLine.duration_ms - shortLine.run_ms!).toBeGreaterThanOrEqual(150);
    const tooLarge = [...byId.values()].find((l) => l.outcome === "body_too_large")!;
    expect(tooLarge).toBeDefined();
    expect(tooLarge.run_ms).toBeUndefined();

    const text = await (await runner.fetch("/metrics")).text();
    expect(text).toContain("# TYPE wasm_invoke_run_seconds histogram");
    const fn = { function: "waiter" };
    expect(sample(text, "wasm_invoke_latency_seconds_count", fn)).toBe(4);
    expect(sample(text, "wasm_invoke_run_seconds_count", fn)).toBe(3);
    // By run time the short one is with the warm-up, under 0.1 s; by latency only the warm-up
    // and the refused body are.
    expect(sample(text, "wasm_invoke_run_seconds_bucket", { ...fn, le: "0.1" })).toBe(2);
    expect(sample(text, "wasm_invoke_latency_seconds_bucket", { ...fn, le: "0.1" })).toBe(2);
    expect(sample(text, "wasm_invoke_run_seconds_bucket", { ...fn, le: "0.25" })).toBe(2);
    expect(sample(text, "wasm_invoke_latency_seconds_bucket", { ...fn, le: "0.25" })).toBe(2);
    // 300 + 10 ms by the guest's millisecond clock, which can come out a hair short by this one.
    expect(sample(text, "wasm_invoke_run_seconds_sum", fn)).toBeGreaterThanOrEqual(0.3);
  } finally {
    await runner.stop();
  }
});
