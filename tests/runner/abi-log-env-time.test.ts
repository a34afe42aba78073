// edge v1 env_get, time_now_ms, random_fill (in-process runner) and log (a runner process,
// because guest lines are written to stdout by the worker thread).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { startRunnerProcess } from "../helpers/runner-process";
import { guest, guestFile } from "../fixtures/guests";

type LogLine = Record<string, unknown>;
const jsonLines = (lines: string[]): LogLine[] =>
  lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as LogLine);
const guestLinesOf = (lines: string[], requestId: string) =>
  jsonLines(lines).filter((l) => l.request_id === requestId && l.msg !== "invocation" && l.source === "guest");

describe("env_get", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner(guest("env-get"), {
      env: { GREETING: "hello, edge", EMPTY: "", UNICODE: "h\u00e9llo \u2603" },
    });
  });
  afterAll(() => runner.stop());

  test.each([
    ["GREETING", "[hello, edge]"],
    ["EMPTY", "[]"],
    ["UNICODE", "[h\u00e9llo \u2603]"],
    ["MISSING", "(unset)"],
    ["greeting", "(unset)"],
  ])("%s reads %s", async (name, expected) => {
    const res = await runner.fetch("/", { method: "POST", body: name });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(expected);
  });

  test.each(["PATH", "HOME", "USER"])("the host's own %s is not visible", async (name) => {
    const res = await runner.fetch("/", { method: "POST", body: name });
    expect(await res.text()).toBe("(unset)");
  });
});

describe("time_now_ms and random_fill", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner(guest("time-random"));
  });
  afterAll(() => runner.stop());

  const parse = (text: string) => {
    const m = text.match(/^t=(\d+) r=([0-9a-f]{32}) tail=([0-9a-f]{32})$/);
    if (!m) throw new Error(`unexpected body ${JSON.stringify(text)}`);
    return { t: Number(m[1]), r: m[2], tail: m[3] };
  };

  test("time_now_ms is wall-clock milliseconds since the epoch", async () => {
    const before = Date.now();
    const { t } = parse(await (await runner.fetch("/")).text());
    const after = Date.now();
    expect(t).toBeGreaterThanOrEqual(before - 1);
    expect(t).toBeLessThanOrEqual(after + 1);
  });

  test("random_fill fills the buffer with fresh random bytes, also past 64 KiB in one call", async () => {
    const a = parse(await (await runner.fetch("/")).text());
    const b = parse(await (await runner.fetch("/")).text());
    expect(a.r).not.toBe(b.r);
    expect(a.tail).not.toBe(b.tail);
    for (const hex of [a.r, b.r, a.tail, b.tail]) expect(hex).not.toBe("0".repeat(32));
  });
});

describe("log", () => {
  test("each guest log call is one JSON line with its level name, the function name and the request id", async () => {
    const runner = await startRunnerProcess([guestFile("logs"), "--log-level", "debug", "--workers", "1"]);
    try {
      const res = await fetch(`${runner.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("logged");
      const requestId = res.headers.get("x-request-id") as string;
      const lines = await runner.waitForLines((all) => guestLinesOf(all, requestId).length >= 4);
      const guestLines = guestLinesOf(lines, requestId);
      expect(guestLines.map((l) => [l.level, l.msg, l.function])).toEqual([
        ["debug", "debug line", "logs"],
        ["info", "info line", "logs"],
        ["warn", "warn line", "logs"],
        ["error", 'error line "quoted"', "logs"],
      ]);
    } finally {
      await runner.stop();
    }
  });

  test("guest lines below --log-level are not written", async () => {
    const runner = await startRunnerProcess([guestFile("logs"), "--log-level", "warn", "--workers", "1"]);
    try {
      const res = await fetch(`${runner.url}/`);
      const requestId = res.headers.get("x-request-id") as string;
      expect(await res.text()).toBe("logged");
      const lines = await runner.waitForLines((all) => guestLinesOf(all, requestId).length >= 2);
      await Bun.sleep(100); // give a wrongly written debug/info line the time to show up
      expect(guestLinesOf(lines, requestId).map((l) => l.level)).toEqual(["warn", "error"]);
    } finally {
      await runner.stop();
    }
  });

  test("a log flood keeps --max-log-lines lines, truncates a long line, counts the rest as dropped, and the call still succeeds", async () => {
    const runner = await startRunnerProcess([guestFile("log-flood"), "--max-log-lines", "5", "--workers", "1"]);
    try {
      const res = await fetch(`${runner.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("flooded");
      const requestId = res.headers.get("x-request-id") as string;
      const lines = await runner.waitForLines((all) =>
        jsonLines(all).some((l) => l.request_id === requestId && l.dropped !== undefined),
      );
      await Bun.sleep(100);
      const kept = guestLinesOf(lines, requestId);
      expect(kept.map((l) => String(l.msg).length)).toEqual([4096, 5, 5, 5, 5]);
      expect(kept[0].msg).toBe("x".repeat(4096));
      expect(kept[0].truncated_bytes).toBe(10000 - 4096);
      const dropped = jsonLines(lines).filter((l) => l.request_id === requestId && l.dropped !== undefined);
      expect(dropped.map((l) => [l.function, l.dropped])).toEqual([["log-flood", 9995]]);
    } finally {
      await runner.stop();
    }
  });
});
