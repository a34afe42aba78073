// stdin and stderr of a WASI function, through a runner process (guest log lines are written by
// the worker, to the process's stdout). wasi-echo.wat reads the body in reads of at most 7 bytes
// until EOF, copies it to stdout, and leaves "reads=<n>" on stderr without a line end.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guestFile } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";

type LogLine = Record<string, unknown>;

let proc: ServerProcess;
beforeAll(async () => {
  proc = await startRunnerProcess([guestFile("wasi-echo"), "--log-level", "info", "--max-execution-ms", "2000"]);
});
afterAll(() => proc.stop());

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

const readsOf = (n: number) => `reads=${Math.ceil(n / 7) + 1}`;

test("the body arrives on fd 0 over many reads, then EOF; stdout is the response", async () => {
  const output = `Content-Type: text/plain\n\n${"0123456789".repeat(100)}`;
  const res = await fetch(`${proc.url}/`, { method: "POST", body: output });
  expect([res.status, await res.text()]).toEqual([200, "0123456789".repeat(100)]);
  const guest = (await linesOf(res.headers.get("x-request-id")!)).filter((l) => l.source === "guest");
  // The stderr line had no line end: it is logged once the guest stops.
  expect(guest).toEqual([
    expect.objectContaining({
      level: "info",
      msg: readsOf(output.length),
      stream: "stderr",
      function: "wasi-echo",
      request_id: res.headers.get("x-request-id"),
    }),
  ]);
});

test("binary bodies pass through stdin and stdout unchanged", async () => {
  const head = new TextEncoder().encode("Content-Type: application/octet-stream\r\n\r\n");
  const payload = crypto.getRandomValues(new Uint8Array(48 * 1024));
  const body = new Uint8Array(head.length + payload.length);
  body.set(head);
  body.set(payload, head.length);
  const res = await fetch(`${proc.url}/`, { method: "POST", body });
  expect(res.status).toBe(200);
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(payload);
});

test("no body: the first read is EOF; nothing on stdout is invalid_output, the reason in the log", async () => {
  const id = await expectOutcome(await fetch(`${proc.url}/`, { method: "POST" }), "invalid_output");
  const lines = await linesOf(id);
  expect(lines.filter((l) => l.source === "guest").map((l) => l.msg)).toEqual(["reads=1"]);
  const invocation = lines.find((l) => l.msg === "invocation")!;
  expect(invocation).toMatchObject({ outcome: "invalid_output", status: 500 });
  expect(String(invocation.detail)).toContain("the function wrote nothing to stdout");
});

test("output that is not a CGI response: the log says which line and what a CGI response is", async () => {
  const id = await expectOutcome(
    await fetch(`${proc.url}/`, { method: "POST", body: "Hello there\n\nbody" }),
    "invalid_output",
  );
  const invocation = (await linesOf(id)).find((l) => l.msg === "invocation")!;
  expect(String(invocation.detail)).toContain('line 1 is not a header line ("Hello there")');
  expect(String(invocation.detail)).toContain("a CGI response is header lines");
});
