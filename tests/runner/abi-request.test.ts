// edge v1 request getters, and which requests reach the function at all.
// Fixtures: echo.wat (method, uri, X-Test, header dump), getter-cap.wat (length/cap convention),
// body-echo.wat (request_body round trip).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { expectOutcome } from "../helpers/expect-outcome";
import { rawRequest } from "../helpers/raw-http";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { guest } from "../fixtures/guests";

/** echo.wat's body: "<method>\n<uri>\n<X-Test or (absent)>\n<headers dump>". */
function echoParts(text: string) {
  const [method, uri, xTest, ...rest] = text.split("\n");
  return { method, uri, xTest, headerLines: rest.filter((l) => l !== "") };
}

describe("echo: method, uri, headers", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner(guest("echo"));
  });
  afterAll(() => runner.stop());

  test("request_method and request_uri give the method and the path and query as received", async () => {
    const res = await runner.fetch("/a%20b/c.d?x=%2F&y=1&y=2&empty=", { headers: { "x-test": "hello" } });
    expect(res.status).toBe(200);
    const { method, uri, xTest } = echoParts(await res.text());
    expect({ method, uri, xTest }).toEqual({ method: "GET", uri: "/a%20b/c.d?x=%2F&y=1&y=2&empty=", xTest: "hello" });
  });

  test("request_header returns -1 for an absent header", async () => {
    const res = await runner.fetch("/");
    expect(echoParts(await res.text()).xTest).toBe("(absent)");
  });

  test("request_header ignores case and joins repeats with ', '; request_headers lists lower-case 'name: value' lines", async () => {
    const res = await rawRequest(runner.url, [
      "GET /raw?q=1 HTTP/1.1",
      "Host: edge.test",
      "X-TEST: first",
      "x-Test: second",
    ]);
    expect(res.status).toBe(200);
    const text = new TextDecoder().decode(res.body);
    expect(text.endsWith("\n")).toBe(true);
    const { method, uri, xTest, headerLines } = echoParts(text);
    expect({ method, uri, xTest }).toEqual({ method: "GET", uri: "/raw?q=1", xTest: "first, second" });
    expect(headerLines.sort()).toEqual(["connection: close", "host: edge.test", "x-test: first, second"]);
  });

  test.each(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("%s reaches the function", async (method) => {
    const res = await runner.fetch("/m", { method, body: method === "GET" ? undefined : "x" });
    expect(res.status).toBe(200);
    const { method: seen, uri } = echoParts(await res.text());
    expect({ seen, uri }).toEqual({ seen: method, uri: "/m" });
  });

  test("a custom method reaches the function unchanged", async () => {
    const res = await rawRequest(runner.url, ["PURGE /cache HTTP/1.1", "Host: edge.test"]);
    expect(res.status).toBe(200);
    const { method, uri } = echoParts(new TextDecoder().decode(res.body));
    expect({ method, uri }).toEqual({ method: "PURGE", uri: "/cache" });
  });

  test("HEAD reaches the function and answers its status and headers without a body", async () => {
    const res = await runner.fetch("/head", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.text()).toBe("");
  });

  test.each([
    "/",
    "/deep/nested/path/",
    "/index.html",
    "/metricsx",
    "/healthzz",
    "/api/metrics",
    "/healthz/extra",
    "/metrics/extra",
    "/metrics/",
    "/healthz/",
  ])("path %s reaches the function", async (path) => {
    const res = await runner.fetch(path);
    expect(res.status).toBe(200);
    expect(echoParts(await res.text()).uri).toBe(path);
  });

  test("GET /healthz and GET /metrics are answered by the runner, not the function", async () => {
    const health = await runner.fetch("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const metrics = await runner.fetch("/metrics?x=1");
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("wasm_invoke_count_total");
  });

  test.each(["POST", "PUT", "DELETE"])("%s /metrics and /healthz do not reach the function", async (method) => {
    for (const path of ["/metrics", "/healthz"]) {
      const res = await runner.fetch(path, { method, body: "x" });
      expect(res.status).toBe(405);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe("method_not_allowed");
    }
  });
});

describe("getter convention", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    runner = await startTestRunner(guest("getter-cap"));
  });
  afterAll(() => runner.stop());

  test("getters return the full length, copy min(length, cap) bytes, leave the rest of the buffer alone; cap 0 only asks", async () => {
    const res = await runner.fetch("/abcdef", { method: "POST", headers: { "x-present": "value" }, body: "hello" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("7 7 /abc####|5|-1|5 5 hel___");
  });

  test("an empty request body has length 0 and copies nothing", async () => {
    const res = await runner.fetch("/abcdef", { headers: { "x-present": "value" } });
    expect(await res.text()).toBe("7 7 /abc####|5|-1|0 0 ______");
  });
});

describe("request_body", () => {
  let runner: TestRunner;
  beforeAll(async () => {
    // body-echo grows memory past one page to hold the body: 1 MiB needs 17 pages.
    runner = await startTestRunner(guest("body-echo"), { memoryPages: 32 });
  });
  afterAll(() => runner.stop());

  test("a 1 MiB binary body round-trips byte for byte", async () => {
    const body = crypto.getRandomValues(new Uint8Array(1024 * 1024));
    body[0] = 0xff; // certainly not valid UTF-8
    const res = await runner.fetch("/echo", { method: "POST", body });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const back = new Uint8Array(await res.arrayBuffer());
    expect(back.byteLength).toBe(body.byteLength);
    expect(Buffer.compare(back, body)).toBe(0);
  });

  test("a body the guest cannot fit in its memory cap traps", async () => {
    const res = await runner.fetch("/echo", { method: "POST", body: new Uint8Array(2 * 1024 * 1024) });
    await expectOutcome(res, "trap");
  });

  test("no body reads as length 0: empty answer without a content-type", async () => {
    const res = await runner.fetch("/echo", { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBeNull();
    expect(await res.text()).toBe("");
  });
});
