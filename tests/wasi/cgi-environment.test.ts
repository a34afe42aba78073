// A WASI function's argv and environment in single-file mode (route "/*"), read back by
// wasi-environ.wat: argv is [function name]; the CGI/1.1 variables (RFC 3875) and WAGI's X_*
// ones, then HTTP_<NAME> per header, then the function's env. A client cannot set a CGI
// variable or the function's env through a header; Proxy and names with "_" are not passed; the
// host's own environment never appears. Prefix routes are cgi-routes.test.ts's.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guest, guestFile } from "../fixtures/guests";
import { rawRequest } from "../helpers/raw-http";
import { startRunnerProcess } from "../helpers/runner-process";
import { startTestRunner, type TestRunner } from "../helpers/test-runner";
import { environOf, type Environ } from "./environ-lines";

const ENV = { GREETING: "hello wasi", REQUEST_METHOD: "HACKED", HTTP_X_USER: "from-env", EMPTY: "" };

let runner: TestRunner;
let port: string;
beforeAll(async () => {
  runner = await startTestRunner(guest("wasi-environ"), { env: ENV });
  port = new URL(runner.url).port;
});
afterAll(() => runner.stop());

async function environ(path: string, init: RequestInit = {}): Promise<Environ> {
  const res = await runner.fetch(path, init);
  expect(res.status).toBe(200);
  return environOf(await res.text());
}

test("argv is the function's name alone", async () => {
  expect((await environ("/")).args).toEqual(["test"]);
});

test("a GET: every CGI variable, with SCRIPT_NAME empty and PATH_INFO the whole path under route /*", async () => {
  const { vars } = await environ("/some/where?b=2&a=%20x");
  expect(Object.fromEntries(vars)).toMatchObject({
    GATEWAY_INTERFACE: "CGI/1.1",
    REQUEST_METHOD: "GET",
    SCRIPT_NAME: "",
    PATH_INFO: "/some/where",
    X_RAW_PATH_INFO: "/some/where",
    QUERY_STRING: "b=2&a=%20x",
    CONTENT_LENGTH: "0",
    CONTENT_TYPE: "",
    SERVER_NAME: "127.0.0.1",
    SERVER_PORT: port,
    SERVER_PROTOCOL: "HTTP/1.1",
    REMOTE_ADDR: "127.0.0.1",
    X_FULL_URL: `http://127.0.0.1:${port}/some/where?b=2&a=%20x`,
    X_MATCHED_ROUTE: "/*",
    HTTP_HOST: `127.0.0.1:${port}`,
  });
});

test("a POST: its method, CONTENT_LENGTH of the body and CONTENT_TYPE of the header (not as HTTP_*)", async () => {
  const { vars } = await environ("/", {
    method: "POST",
    body: "twelve bytes",
    headers: { "content-type": "application/x-thing; charset=utf-8" },
  });
  expect(vars.get("REQUEST_METHOD")).toBe("POST");
  expect(vars.get("CONTENT_LENGTH")).toBe("12");
  expect(vars.get("CONTENT_TYPE")).toBe("application/x-thing; charset=utf-8");
  expect(vars.has("HTTP_CONTENT_TYPE")).toBe(false);
  expect(vars.has("HTTP_CONTENT_LENGTH")).toBe(false);
});

test("PATH_INFO is percent-decoded (UTF-8; a malformed escape kept as written); X_RAW_PATH_INFO is as sent", async () => {
  const decoded = await environ("/caf%C3%A9/a%20b/%E2%98%83");
  expect(decoded.vars.get("PATH_INFO")).toBe("/caf\u00e9/a b/\u2603");
  expect(decoded.vars.get("X_RAW_PATH_INFO")).toBe("/caf%C3%A9/a%20b/%E2%98%83");
  const malformed = await environ("/bad%zz/ok%21/%C3");
  expect(malformed.vars.get("PATH_INFO")).toBe("/bad%zz/ok!/%C3");
  expect(malformed.vars.get("X_RAW_PATH_INFO")).toBe("/bad%zz/ok%21/%C3");
});

test("each request header is HTTP_<NAME>, upper-cased with - as _; repeated headers are joined", async () => {
  const headers = new Headers({ "x-trace-id": "abc", accept: "text/plain" });
  headers.append("x-many", "one");
  headers.append("x-many", "two");
  const { vars } = await environ("/", { headers });
  expect(vars.get("HTTP_X_TRACE_ID")).toBe("abc");
  expect(vars.get("HTTP_ACCEPT")).toBe("text/plain");
  expect(vars.get("HTTP_X_MANY")).toBe("one, two");
});

test("the function's env comes after the CGI and HTTP_* variables, values as given (empty ones too)", async () => {
  const { entries, vars } = await environ("/", { headers: { "x-trace-id": "abc" } });
  const names = entries.map(([name]) => name);
  expect(vars.get("GREETING")).toBe("hello wasi");
  expect(vars.get("EMPTY")).toBe("");
  const firstOwn = names.indexOf("GREETING");
  expect(firstOwn).toBeGreaterThan(names.indexOf("X_MATCHED_ROUTE"));
  expect(firstOwn).toBeGreaterThan(names.indexOf("HTTP_X_TRACE_ID"));
});

test("a header cannot override a CGI variable, nor the function's env; the env cannot override a CGI variable", async () => {
  const { entries } = await environ("/", {
    method: "PUT",
    headers: { "request-method": "DELETE", "x-user": "from-client", "gateway-interface": "CGI/9" },
  });
  const all = (name: string) => entries.filter(([n]) => n === name).map(([, v]) => v);
  expect(all("REQUEST_METHOD")).toEqual(["PUT"]);
  expect(all("HTTP_REQUEST_METHOD")).toEqual(["DELETE"]);
  expect(all("GATEWAY_INTERFACE")).toEqual(["CGI/1.1"]);
  expect(all("HTTP_X_USER")).toEqual(["from-env"]);
});

test("no HTTP_PROXY (httpoxy), and no header whose name has an underscore", async () => {
  const raw = await rawRequest(runner.url, [
    "GET / HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Proxy: http://evil.example:8080",
    "X_Under: sneaky",
    "X-Over: fine",
  ]);
  expect(raw.status).toBe(200);
  const { vars } = environOf(new TextDecoder().decode(raw.body));
  expect(vars.has("HTTP_PROXY")).toBe(false);
  expect(vars.has("HTTP_X_UNDER")).toBe(false);
  expect([...vars.values()]).not.toContain("sneaky");
  expect(vars.get("HTTP_X_OVER")).toBe("fine");
});

test("SERVER_NAME and X_FULL_URL follow the Host header the client sent", async () => {
  const raw = await rawRequest(runner.url, ["GET /p?q=1 HTTP/1.1", "Host: example.test:8443"]);
  const { vars } = environOf(new TextDecoder().decode(raw.body));
  expect(vars.get("SERVER_NAME")).toBe("example.test");
  expect(vars.get("X_FULL_URL")).toBe("http://example.test:8443/p?q=1");
  expect(vars.get("SERVER_PORT")).toBe(port);
});

test("a runner process's own environment never reaches the guest: only CGI, HTTP_* and --env names", async () => {
  const secret = `EDGEBASE_TEST_SECRET_${process.pid}_${Date.now()}`;
  const proc = await startRunnerProcess([guestFile("wasi-environ"), "--env", "OWN=mine"], {
    env: { [secret]: "leaked-value", HOME: "/home/leak", LEAK_CHECK: "leaked-value" },
  });
  try {
    const res = await fetch(`${proc.url}/`, { headers: { "x-one": "1" } });
    const text = await res.text();
    expect(res.status).toBe(200);
    const { args, vars } = environOf(text);
    expect(args).toEqual(["wasi-environ"]);
    expect(text).not.toContain("leaked-value");
    expect(text).not.toContain(secret);
    for (const name of ["HOME", "PATH", "USER", "PWD", "LEAK_CHECK"]) expect(vars.has(name)).toBe(false);
    const cgi =
      /^(GATEWAY_INTERFACE|SERVER_SOFTWARE|REQUEST_METHOD|SCRIPT_NAME|PATH_INFO|QUERY_STRING|CONTENT_LENGTH|CONTENT_TYPE|SERVER_NAME|SERVER_PORT|SERVER_PROTOCOL|REMOTE_ADDR|REMOTE_HOST|X_FULL_URL|X_MATCHED_ROUTE|X_RAW_PATH_INFO|HTTP_[A-Z0-9_]+)$/;
    expect([...vars.keys()].filter((name) => !cgi.test(name))).toEqual(["OWN"]);
  } finally {
    await proc.stop();
  }
});
