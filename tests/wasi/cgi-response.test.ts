// cgiResponse (runner/sandbox/host/wasi/cgi-response.ts) on its own: a WASI function's stdout as
// an HTTP response (RFC 3875 section 6). Line endings, Status, Location, repeated headers, what is
// refused (and that the reason says what a CGI response is), and the two size limits. The same
// cases through a real runner are cgi-output.test.ts's.
import { describe, expect, test } from "bun:test";
import { cgiResponse } from "../../runner/sandbox/host/wasi/cgi-response";

const HEADER_LIMIT = 64 * 1024;
const BODY_LIMIT = 1000;
const bytes = (text: string) => Buffer.from(text, "latin1");
const parse = (text: string, bodyLimit = BODY_LIMIT) => cgiResponse(bytes(text), HEADER_LIMIT, bodyLimit);

function ok(text: string) {
  const result = parse(text);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  const { status, headers, body } = result.response;
  return { status, headers, body: body === null ? null : Buffer.from(body).toString("latin1") };
}

function refused(text: string, bodyLimit = BODY_LIMIT) {
  const result = parse(text, bodyLimit);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.response)}`);
  return result;
}

describe("line endings", () => {
  test.each([
    ["LF", "Content-Type: text/html\nX-One: 1\n\n<p>hi</p>"],
    ["CRLF", "Content-Type: text/html\r\nX-One: 1\r\n\r\n<p>hi</p>"],
    ["mixed", "Content-Type: text/html\r\nX-One: 1\n\r\n<p>hi</p>"],
    ["mixed, LF blank line", "Content-Type: text/html\r\nX-One: 1\r\n\n<p>hi</p>"],
  ])("%s", (_label, text) => {
    expect(ok(text)).toEqual({ status: 200, headers: "content-type: text/html\nx-one: 1\n", body: "<p>hi</p>" });
  });

  test("output that starts with a blank line has no header block: refused, not a 200", () => {
    for (const text of ["\n\nbody", "\r\nbody", "\n"]) expect(refused(text).reason).toContain("no header lines");
  });

  test("the body is kept byte for byte, its own CRLFs and blank lines included", () => {
    expect(ok("Content-Type: text/plain\r\n\r\na\r\n\r\nb\n\n").body).toBe("a\r\n\r\nb\n\n");
  });
});

describe("Status and Location", () => {
  test.each([
    ["Status: 404 Not Found", 404],
    ["Status: 404", 404],
    ["Status:404", 404],
    ["status: 503 Busy, try later", 503],
    ["Status: 201\tCreated", 201],
    ["Status: 200", 200],
    ["Status: 599 Custom", 599],
  ])("%s -> %d", (line, status) => {
    expect(ok(`${line}\nContent-Type: text/plain\n\nbody`).status).toBe(status);
  });

  test("Status is not passed on as a header", () => {
    expect(ok("Status: 404 Not Found\nContent-Type: text/plain\n\nx").headers).toBe("content-type: text/plain\n");
  });

  test.each(["Status: 199", "Status: 600", "Status: 99", "Status: 1000", "Status: abc", "Status:", "Status: 404Gone"])(
    "%s is refused: not a status from 200 to 599",
    (line) => {
      expect(refused(`${line}\n\nbody`).reason).toContain("is not a status from 200 to 599");
    },
  );

  test("Status given twice is refused", () => {
    expect(refused("Status: 200\nStatus: 404\n\n").reason).toContain("Status is given twice");
  });

  test("Location alone is a 302; with a Status, the Status", () => {
    expect(ok("Location: https://example.test/next\n\n")).toEqual({
      status: 302,
      headers: "location: https://example.test/next\n",
      body: null,
    });
    expect(ok("Location: /moved\nStatus: 301 Moved Permanently\n\n").status).toBe(301);
    expect(ok("Status: 201 Created\nLocation: /things/1\n\n").status).toBe(201);
    expect(ok("Status: 200\nLocation: /x\n\n").status).toBe(200);
  });
});

describe("headers", () => {
  test("repeated headers are all passed on, in order (two Set-Cookie)", () => {
    expect(ok("Set-Cookie: a=1; Path=/\nSet-Cookie: b=2\nContent-Type: text/plain\n\nx").headers).toBe(
      "set-cookie: a=1; Path=/\nset-cookie: b=2\ncontent-type: text/plain\n",
    );
  });

  test("names are lower-cased; values lose surrounding spaces and tabs, keep inner ones", () => {
    expect(ok("X-Custom-Header:   a  b\t \nContent-Type:text/plain\n\nx").headers).toBe(
      "x-custom-header: a  b\ncontent-type: text/plain\n",
    );
  });

  test("framing headers are the runner's: Content-Length, Transfer-Encoding, Connection and the like are dropped", () => {
    const text =
      "Content-Length: 999\nTransfer-Encoding: chunked\nConnection: close\nKeep-Alive: 5\nUpgrade: h2c\nTrailer: x\nX-Kept: 1\n\nbody";
    expect(ok(text).headers).toBe("x-kept: 1\ncontent-type: text/plain; charset=utf-8\n");
  });

  test("a body without Content-Type gets text/plain; no body, no Content-Type", () => {
    expect(ok("X-A: 1\n\nhello").headers).toBe("x-a: 1\ncontent-type: text/plain; charset=utf-8\n");
    expect(ok("Status: 204 No Content\n\n")).toEqual({ status: 204, headers: "", body: null });
    expect(ok("X-A: 1\r\n\r\n")).toEqual({ status: 200, headers: "x-a: 1\n", body: null });
  });

  test.each([
    ["a control character in a value", "X-A: a\x01b", "contains a control character"],
    ["a bare CR in a value", "X-A: a\rb", "contains a control character"],
    ["DEL in a value", "X-A: a\x7fb", "contains a control character"],
    ["NUL in a value", "X-A: a\x00b", "contains a control character"],
    ["a space in a name", "Bad Name: x", "is not a header line"],
    ["no colon", "just some text", "is not a header line"],
    ["an empty name", ": value", "is not a header line"],
    ["a folded continuation line", "X-A: one\n two", "is not a header line"],
  ])("%s is refused", (_label, lines, reason) => {
    expect(refused(`${lines}\n\nbody`).reason).toContain(reason);
  });

  test("a tab inside a value is allowed", () => {
    expect(ok("X-A: a\tb\n\n").headers).toBe("x-a: a\tb\n");
  });
});

describe("what is not a CGI response", () => {
  test.each([
    ["empty stdout", "", "the function wrote nothing to stdout"],
    ["text without a line end", "hello world", "no blank line after the header lines (no line ends)"],
    [
      "header lines and no blank line",
      "Content-Type: text/plain\nX-A: 1\n",
      "no blank line after the header lines (2 lines)",
    ],
    ["a plain text body", "hello\nworld\n\n", 'line 1 is not a header line ("hello")'],
  ])("%s", (_label, text, reason) => {
    const result = refused(text);
    expect(result.tooLarge).toBe(false);
    expect(result.reason).toContain(reason);
    // The reason says what a CGI response is, for the function's author reading the log.
    expect(result.reason).toContain("a CGI response is header lines");
  });

  test("null output (nothing written at all) is refused the same way", () => {
    const result = cgiResponse(null, HEADER_LIMIT, BODY_LIMIT);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain("wrote nothing");
  });
});

describe("limits", () => {
  const padded = (bytes: number) => `X-Pad: ${"p".repeat(bytes - 8)}\n`;

  test("a header block up to 64 KiB is read; past it, response_too_large (even without a blank line)", () => {
    expect(ok(`${padded(HEADER_LIMIT - 1)}\nbody`).status).toBe(200);
    const over = refused(`${padded(HEADER_LIMIT + 2)}\nbody`);
    expect(over).toMatchObject({ tooLarge: true, reason: `CGI header lines over ${HEADER_LIMIT} bytes` });
    expect(refused(padded(HEADER_LIMIT * 2)).tooLarge).toBe(true);
  });

  test("more than 100 header lines is response_too_large", () => {
    const lines = Array.from({ length: 101 }, (_, i) => `X-H${i}: ${i}\n`).join("");
    expect(refused(`${lines}\n`)).toMatchObject({ tooLarge: true, reason: "more than 100 CGI header lines" });
    expect(ok(`${lines.split("\n").slice(0, 100).join("\n")}\n\n`).status).toBe(200);
  });

  test("a body up to the limit is sent; one byte more is response_too_large", () => {
    expect(ok(`X-A: 1\n\n${"b".repeat(BODY_LIMIT)}`).body).toHaveLength(BODY_LIMIT);
    expect(refused(`X-A: 1\n\n${"b".repeat(BODY_LIMIT + 1)}`)).toMatchObject({
      tooLarge: true,
      reason: `response body over ${BODY_LIMIT} bytes`,
    });
  });
});
