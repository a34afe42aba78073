// edge v1 response calls: status, headers (append, validation), body, defaults, and the
// request id every answer carries.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectOutcome } from "../helpers/expect-outcome";
import { rawRequest } from "../helpers/raw-http";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

/** One runner per fixture for the whole file, stopped at the end. */
const runners = new Map<string, TestRunner>();
const fixtures = [
  "status-and-headers",
  "empty",
  "no-memory",
  "defines-memory",
  "bad-status",
  "header-injection",
  "bad-header-name",
] as const;
beforeAll(async () => {
  for (const name of fixtures) runners.set(name, await startTestRunner(guest(name)));
});
afterAll(async () => {
  await Promise.all([...runners.values()].map((r) => r.stop()));
});
const on = (name: string) => runners.get(name) as TestRunner;

describe("status, headers and body", () => {
  test("response_status, appended response_header calls and several response_write calls make the answer", async () => {
    const res = await on("status-and-headers").fetch("/");
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-one")).toBe("1");
    expect(res.headers.get("x-multi")).toBe("a, b");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2"]);
    expect(await res.text()).toBe('{"ok":true}');
  });

  test("a repeated name keeps every value in call order, two Set-Cookie stay two lines, a guest content-type is the only one", async () => {
    const res = await rawRequest(on("status-and-headers").url, ["GET / HTTP/1.1", "Host: edge.test"]);
    expect(res.status).toBe(201);
    // Separate lines or one folded line are the same field to HTTP (RFC 9110 5.3); Set-Cookie may not be folded.
    expect(
      res.headers
        .filter(([k]) => k === "x-multi")
        .map(([, v]) => v)
        .join(", "),
    ).toBe("a, b");
    expect(res.headers.filter(([k]) => k === "set-cookie")).toEqual([
      ["set-cookie", "a=1; Path=/"],
      ["set-cookie", "b=2"],
    ]);
    expect(res.headers.filter(([k]) => k === "content-type")).toEqual([["content-type", "application/json"]]);
  });

  test("a function that does nothing answers 200 with an empty body and no content-type", async () => {
    const res = await on("empty").fetch("/anything", { method: "POST", body: "ignored" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBeNull();
    expect(await res.text()).toBe("");
  });

  test("a module without memory still gets its host calls", async () => {
    const res = await on("no-memory").fetch("/");
    expect(res.status).toBe(202);
    expect(await res.text()).toBe("");
  });

  test("a non-empty body without a content-type gets text/plain; charset=utf-8 (Rust-shaped module with its own memory)", async () => {
    const res = await on("defines-memory").fetch("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("Hello from a Rust-shaped module!\n");
  });

  test("the Rust-shaped module answers the same way every time (stack pointer, table, data segment are per instance)", async () => {
    const texts = await Promise.all(
      Array.from({ length: 6 }, async () => (await on("defines-memory").fetch("/")).text()),
    );
    expect(texts).toEqual(Array(6).fill("Hello from a Rust-shaped module!\n"));
  });
});

describe("response_status", () => {
  test.each([200, 201, 299, 404, 418, 500, 599])("%i is answered as is", async (code) => {
    const res = await on("bad-status").fetch("/", { headers: { "x-status": String(code) } });
    expect(res.status).toBe(code);
    expect(await res.text()).toBe("status set");
  });

  test.each([199, 100, 101, 0, -1, 600, 1000])("%i traps (500)", async (code) => {
    await expectOutcome(await on("bad-status").fetch("/", { headers: { "x-status": String(code) } }), "trap");
  });
});

describe("response_header validation", () => {
  test.each([
    ["CRLF", "a\r\nset-cookie: evil=1"],
    ["LF", "a\nset-cookie: evil=1"],
    ["CR", "a\rset-cookie: evil=1"],
    ["trailing CRLF", "a\r\n"],
  ])("a value with %s traps and injects nothing", async (_label, value) => {
    const res = await on("header-injection").fetch("/", { method: "POST", body: value });
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("x-injected")).toBeNull();
    await expectOutcome(res, "trap");
  });

  test("a clean value is sent unchanged", async () => {
    const res = await on("header-injection").fetch("/", { method: "POST", body: 'plain value; q=0.5, "quoted"' });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-injected")).toBe('plain value; q=0.5, "quoted"');
    expect(await res.text()).toBe("header set");
  });

  // The contract does not say whether non-ASCII value bytes are allowed, but either way the answer
  // must keep the product's shape: the bytes on the wire, or the trap outcome as JSON with a request id.
  test("a value with non-ASCII bytes is sent byte for byte or traps; it never breaks the error contract", async () => {
    const value = "na\u00efve \u2603";
    const res = await rawRequest(
      on("header-injection").url,
      ["POST / HTTP/1.1", "Host: edge.test", `Content-Length: ${Buffer.byteLength(value)}`],
      Buffer.from(value),
    );
    if (res.status === 200) {
      const sent = res.headers.find(([k]) => k === "x-injected")?.[1] ?? "";
      expect(Buffer.from(sent, "latin1").toString("utf8")).toBe(value);
      return;
    }
    const requestId = res.headers.find(([k]) => k === "x-request-id")?.[1];
    expect({
      status: res.status,
      contentType: res.headers.find(([k]) => k === "content-type")?.[1],
      requestId: typeof requestId,
    }).toEqual({ status: 500, contentType: "application/json", requestId: "string" });
    expect(JSON.parse(new TextDecoder().decode(res.body))).toEqual({
      error: { code: "trap", message: "the function trapped", request_id: requestId },
    });
  });

  test.each([
    ["empty", ""],
    ["a space", "bad name"],
    ["a colon", "x:y"],
    ["CRLF", "x\r\ny"],
    ["a tab", "x\ty"],
    ["non-ASCII", "na\u00efve"],
    ["parentheses", "x(y)"],
  ])("a name with %s traps", async (_label, name) => {
    await expectOutcome(await on("bad-header-name").fetch("/", { method: "POST", body: name }), "trap");
  });

  test("a token name is accepted and sent lower-cased", async () => {
    const res = await rawRequest(
      on("bad-header-name").url,
      ["POST / HTTP/1.1", "Host: edge.test", "Content-Length: 15"],
      Buffer.from("X-Good_Name.v1~"),
    );
    expect(res.status).toBe(200);
    expect(res.headers.filter(([k]) => k === "x-good_name.v1~")).toEqual([["x-good_name.v1~", "v"]]);
    expect(new TextDecoder().decode(res.body)).toBe("header set");
  });
});

describe("request id", () => {
  test("every answer carries a generated x-request-id, different per request", async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, async () => (await on("empty").fetch("/")).headers.get("x-request-id")),
    );
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(10);
  });

  test("a caller's safe x-request-id is kept, in the header and in an error body", async () => {
    const ok = await on("bad-status").fetch("/", { headers: { "x-request-id": "trace-0123456789" } });
    expect(ok.headers.get("x-request-id")).toBe("trace-0123456789");
    const failed = await on("bad-status").fetch("/", {
      headers: { "x-request-id": "trace-abcdefghij", "x-status": "99" },
    });
    expect(await expectOutcome(failed, "trap")).toBe("trace-abcdefghij");
  });

  test("an unsafe caller id is replaced, not echoed", async () => {
    const res = await on("empty").fetch("/", { headers: { "x-request-id": "short" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("entrypoint", () => {
  test("a configured entrypoint is called instead of handle", async () => {
    const runner = await startTestRunner(guest("entrypoint-main"), { entrypoint: "main" });
    try {
      const res = await runner.fetch("/");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("main");
    } finally {
      await runner.stop();
    }
  });
});
