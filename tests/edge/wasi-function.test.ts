// A WASI function (runtime wasi) through a control plane and an edge node, as real processes:
// the CGI variables its route and request give it, the function's env after them, and a change
// of routes reaching the node (it loads the function again: its SCRIPT_NAME changed).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { environModule, environOf } from "../wasi/environ-module";

let control: ControlProcess;
let edge: ServerProcess;
let id = "";
beforeAll(async () => {
  control = await startControlProcess(tempDir("wasi-edge-control-"));
  const fn = await control.createFunction({
    name: "cgi",
    runtime: "wasi",
    routes: ["/cgi/*", "/exact/path"],
    env: { GREETING: "hello", REQUEST_METHOD: "not the method", HTTP_X_PINNED: "operator" },
  });
  id = fn.id;
  await control.upload(fn.id, environModule());
  edge = await startEdgeProcess(control.url, tempDir("wasi-edge-node-"), "wasi-node");
  await until("the node serves the WASI function", async () => (await fetch(`${edge.url}/cgi/`)).status === 200);
}, 60_000);
afterAll(() => Promise.all([edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

test("a prefix route: SCRIPT_NAME is its fixed part, PATH_INFO the rest (decoded), with the request's variables", async () => {
  const port = new URL(edge.url).port;
  const response = await fetch(`${edge.url}/cgi/a%20b/c?x=1&y=%20`, {
    method: "POST",
    headers: { "content-type": "text/csv", "x-custom": "v1", "x-pinned": "client", proxy: "http://evil" },
    body: "12345",
  });
  expect(response.status).toBe(200);
  const env = await environOf(response);
  expect(Object.fromEntries(env)).toMatchObject({
    GATEWAY_INTERFACE: "CGI/1.1",
    REQUEST_METHOD: "POST",
    SCRIPT_NAME: "/cgi",
    PATH_INFO: "/a b/c",
    X_RAW_PATH_INFO: "/a%20b/c",
    QUERY_STRING: "x=1&y=%20",
    CONTENT_LENGTH: "5",
    CONTENT_TYPE: "text/csv",
    SERVER_NAME: "127.0.0.1",
    SERVER_PORT: port,
    SERVER_PROTOCOL: "HTTP/1.1",
    REMOTE_ADDR: "127.0.0.1",
    X_MATCHED_ROUTE: "/cgi/*",
    X_FULL_URL: `http://127.0.0.1:${port}/cgi/a%20b/c?x=1&y=%20`,
    HTTP_X_CUSTOM: "v1",
    HTTP_HOST: `127.0.0.1:${port}`,
    GREETING: "hello",
    // The operator's env wins over a request header; the platform's variables over both.
    HTTP_X_PINNED: "operator",
  });
  expect(env.has("HTTP_PROXY")).toBe(false);
  expect(env.has("HTTP_CONTENT_TYPE")).toBe(false);
  // Nothing of the node's own environment.
  expect(env.has("PATH")).toBe(false);
  expect(env.has("EDGE_RUNNER_TOKEN")).toBe(false);
});

test("an exact route: SCRIPT_NAME is the whole path and PATH_INFO is empty; a routes change reaches the node", async () => {
  const env = await environOf(await fetch(`${edge.url}/exact/path`));
  expect([env.get("SCRIPT_NAME"), env.get("PATH_INFO"), env.get("X_MATCHED_ROUTE")]).toEqual([
    "/exact/path",
    "",
    "/exact/path",
  ]);
  const moved = await control.api(`/api/v1/functions/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ routes: ["/v2/cgi/*"] }),
  });
  expect(moved.status).toBe(200);
  await until("the node serves the new route", async () => (await fetch(`${edge.url}/v2/cgi/x`)).status === 200);
  const after = await environOf(await fetch(`${edge.url}/v2/cgi/x`));
  expect([after.get("SCRIPT_NAME"), after.get("PATH_INFO")]).toEqual(["/v2/cgi", "/x"]);
});
