// A WASI function's stdout as the HTTP response, through a real runner: wasi-echo.wat copies the
// request body to stdout, so each test sends the CGI output it wants answered. Status, Location,
// repeated headers on the wire, framing headers, and what is a 500 invalid_output or
// response_too_large (cgi-response.test.ts has the finer cases of the parser alone).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guest } from "../fixtures/guests";
import { expectOutcome } from "../helpers/expect-outcome";
import { rawRequest } from "../helpers/raw-http";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";

const MAX_RESPONSE = 4096;

let runner: TestRunner;
beforeAll(async () => {
  runner = await startTestRunner(guest("wasi-echo"), { maxResponseBytes: MAX_RESPONSE });
});
afterAll(() => runner.stop());

/** The runner's answer to a function that writes `output` to stdout. */
const answer = (output: string | Uint8Array) => runner.fetch("/", { method: "POST", body: output, redirect: "manual" });

test.each([
  ["LF", "Content-Type: text/html\nX-Mine: yes\n\n<b>hi</b>\n"],
  ["CRLF", "Content-Type: text/html\r\nX-Mine: yes\r\n\r\n<b>hi</b>\n"],
  ["mixed", "Content-Type: text/html\r\nX-Mine: yes\n\r\n<b>hi</b>\n"],
])("%s line endings: headers and body as written", async (_label, output) => {
  const res = await answer(output);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html");
  expect(res.headers.get("x-mine")).toBe("yes");
  expect(await res.text()).toBe("<b>hi</b>\n");
});

test("Status with and without a reason phrase sets the status", async () => {
  const notFound = await answer("Status: 404 Not Found\nContent-Type: text/plain\n\nno such thing");
  expect([notFound.status, await notFound.text()]).toEqual([404, "no such thing"]);
  const teapot = await answer("Status: 418\n\n");
  expect([teapot.status, await teapot.text()]).toEqual([418, ""]);
});

test("Location alone is a 302; Location with Status 301 is a 301", async () => {
  const found = await answer("Location: https://example.test/there\n\n");
  expect([found.status, found.headers.get("location")]).toEqual([302, "https://example.test/there"]);
  const moved = await answer("Status: 301 Moved Permanently\nLocation: /new\n\n");
  expect([moved.status, moved.headers.get("location")]).toEqual([301, "/new"]);
});

test("two Set-Cookie lines are two Set-Cookie headers on the wire", async () => {
  const output = new TextEncoder().encode("Set-Cookie: a=1; Path=/\nSet-Cookie: b=2; HttpOnly\n\nok");
  const raw = await rawRequest(runner.url, ["POST / HTTP/1.1", "Host: x", `Content-Length: ${output.length}`], output);
  expect(raw.status).toBe(200);
  expect(raw.headers.filter(([name]) => name === "set-cookie").map(([, value]) => value)).toEqual([
    "a=1; Path=/",
    "b=2; HttpOnly",
  ]);
});

test("the function's Content-Length is dropped: the runner frames the body itself", async () => {
  const res = await answer("Content-Length: 9999\nTransfer-Encoding: chunked\n\nfour");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-length")).toBe("4");
  expect(res.headers.get("transfer-encoding")).toBeNull();
  expect(await res.text()).toBe("four");
});

test("a body without Content-Type is text/plain; utf-8", async () => {
  const res = await answer("X-A: 1\n\nplain");
  expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
});

test.each([
  ["no blank line after the headers", "Content-Type: text/plain\n"],
  ["plain text, not a CGI response", "hello, world"],
  ["empty stdout", ""],
  ["a header value with a control character", "X-Bad: a\u0001b\n\nbody"],
  ["a status out of range", "Status: 600 Too Far\n\nbody"],
  ["a 1xx status", "Status: 101 Switching Protocols\n\n"],
])("%s: 500 invalid_output, whose error says it is not a CGI response", async (_label, output) => {
  const res = await answer(output);
  const { error } = (await res.clone().json()) as { error: { message: string } };
  expect(error.message).toContain("not a valid CGI response");
  await expectOutcome(res, "invalid_output");
});

test("a header block over 64 KiB is response_too_large", async () => {
  const lines = Array.from({ length: 700 }, (_, i) => `X-Pad-${i % 90}: ${"v".repeat(100)}\n`).join("");
  await expectOutcome(await answer(`${lines}\nbody`), "response_too_large");
});

test("a body up to --max-response-bytes is sent; one byte over is response_too_large", async () => {
  const exact = await answer(`X-A: 1\n\n${"b".repeat(MAX_RESPONSE)}`);
  expect([exact.status, (await exact.text()).length]).toEqual([200, MAX_RESPONSE]);
  await expectOutcome(await answer(`X-A: 1\n\n${"b".repeat(MAX_RESPONSE + 1)}`), "response_too_large");
});

test("after all of that the function answers normally", async () => {
  const res = await answer("Content-Type: text/plain\n\nstill here");
  expect([res.status, await res.text()]).toEqual([200, "still here"]);
});
