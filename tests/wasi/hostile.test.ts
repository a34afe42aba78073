// Hostile WASI programs through a real runner process (wasi-hostile.wat): a loop in _start, a
// memory bomb, a stderr flood, one huge stderr line, endless stdout, a trap and a non-zero exit
// each get their outcome, and the node keeps serving the same function's hello after every one
// (and during the memory bomb). The logs say what happened.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guestFile } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { metric } from "../helpers/metrics-text";
import { startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";

const LIMIT_MS = 400;
const MAX_RESPONSE = 256 * 1024;
const LOG_LINES = 100;
const LINE_BYTES = 4096;

type LogLine = Record<string, unknown>;

let proc: ServerProcess;
beforeAll(async () => {
  proc = await startRunnerProcess([
    guestFile("wasi-hostile"),
    "--log-level",
    "info",
    "--max-execution-ms",
    String(LIMIT_MS),
    "--max-response-bytes",
    String(MAX_RESPONSE),
    "--workers",
    "2",
  ]);
});
afterAll(() => proc.stop());

const send = (mode: string) => fetch(`${proc.url}/`, { method: "POST", body: mode });

async function expectHello(): Promise<void> {
  const res = await send("h");
  expect([res.status, await res.text()]).toEqual([200, "hello"]);
}

/** The JSON log lines of one request, once its invocation line is out. */
async function linesOf(requestId: string): Promise<LogLine[]> {
  const mine = () =>
    proc
      .lines()
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.request_id === requestId);
  await proc.waitForLines(() => mine().some((l) => l.msg === "invocation"));
  return mine();
}
const invocation = async (requestId: string) => (await linesOf(requestId)).find((l) => l.msg === "invocation")!;

test("an infinite loop in _start: 504 timeout at the limit; the node answers the next request", async () => {
  const started = performance.now();
  const id = await expectOutcome(await send("l"), "timeout");
  expect(performance.now() - started).toBeLessThan(LIMIT_MS + 1000);
  expect(await invocation(id)).toMatchObject({ outcome: "timeout", status: 504 });
  await expectHello();
});

test("a memory bomb: 500 memory for its own request only; a hello sent meanwhile is answered", async () => {
  const [bomb, hello] = await Promise.all([send("m"), send("h")]);
  const id = await expectOutcome(bomb, "memory");
  expect([hello.status, await hello.text()]).toEqual([200, "hello"]);
  expect(String((await invocation(id)).detail)).toContain("128-page limit");
  await expectHello();
});

test("a stderr flood: at most --max-log-lines guest lines, then one warning that lines were dropped", async () => {
  const res = await send("e");
  expect([res.status, await res.text()]).toEqual([200, "hello"]);
  const id = res.headers.get("x-request-id")!;
  const lines = await linesOf(id);
  const guest = lines.filter((l) => l.source === "guest");
  expect(guest).toHaveLength(LOG_LINES);
  expect(guest[0]).toMatchObject({ msg: "flood", stream: "stderr", function: "wasi-hostile", request_id: id });
  // Past the line limit stderr is dropped unread (output-lines.ts): the warning counts at least one drop.
  const warning = lines.find((l) => l.msg === "guest log lines dropped");
  expect(warning).toMatchObject({ level: "warn", function: "wasi-hostile", limit: LOG_LINES });
  expect(Number(warning?.dropped)).toBeGreaterThanOrEqual(1);
  // Lines past the limit are not split out: their bytes are counted.
  expect(Number(warning?.dropped_output_bytes)).toBeGreaterThan(0);
  await expectHello();
});

test("one 128 KiB stderr line: one log line of the line limit, with the bytes cut counted", async () => {
  const res = await send("E");
  expect(res.status).toBe(200);
  const guest = (await linesOf(res.headers.get("x-request-id")!)).filter((l) => l.source === "guest");
  expect(guest).toHaveLength(1);
  expect(String(guest[0]!.msg)).toBe("x".repeat(LINE_BYTES));
  expect(guest[0]!.truncated_bytes).toBe(2 * 65536 + "flood".length - LINE_BYTES);
});

test("endless stdout: 500 response_too_large once past the response limit, not when memory runs out", async () => {
  const id = await expectOutcome(await send("o"), "response_too_large");
  expect(String((await invocation(id)).detail)).toContain(`stdout over ${MAX_RESPONSE + 64 * 1024} bytes`);
  await expectHello();
});

test("a trap (unreachable): 500 trap", async () => {
  const id = await expectOutcome(await send("t"), "trap");
  expect(String((await invocation(id)).detail)).toMatch(/unreachable/i);
  await expectHello();
});

test("a non-zero exit after a whole response: 500 exit, the code in the log, the response not sent", async () => {
  const id = await expectOutcome(await send("x"), "exit");
  expect(await invocation(id)).toMatchObject({ outcome: "exit", status: 500, detail: "exit code 1" });
  await expectHello();
});

test("HEAD on the hello: its status and headers, no body", async () => {
  const res = await fetch(`${proc.url}/`, { method: "HEAD" });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain");
  expect(await res.text()).toBe("");
});

test("after all of them: the runner process is still up and serving, and /metrics counted each outcome once", async () => {
  expect(proc.alive()).toBe(true);
  for (let i = 0; i < 5; i++) await expectHello();
  for (const outcome of ["timeout", "memory", "response_too_large", "trap", "exit"]) {
    const count = await metric(proc.url, "wasm_invoke_count_total", { function: "wasi-hostile", outcome });
    expect({ outcome, count }).toEqual({ outcome, count: 1 });
  }
});
