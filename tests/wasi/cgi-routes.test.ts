// SCRIPT_NAME, PATH_INFO and X_MATCHED_ROUTE from the route that matched, on an edge node (a
// real process) following a control plane: a prefix route's fixed part is SCRIPT_NAME and the
// rest PATH_INFO; an exact route is all SCRIPT_NAME. The function's env is the one registered,
// argv its name. (Single-file mode's "/*" is cgi-environment.test.ts's.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guest } from "../fixtures/guests";
import { startEdgeProcess } from "../helpers/edge-process";
import type { ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { until } from "../helpers/until";
import { environOf } from "./environ-lines";

let control: TestControl;
let edge: ServerProcess;
beforeAll(async () => {
  control = await startTestControl();
  const functions = [
    { name: "shop", runtime: "wasi", env: { OWN: "shop-env" } },
    { name: "exact", runtime: "wasi", routes: ["/api/v1/exact"] },
  ];
  for (const spec of functions) {
    const fn = await control.createFunction(spec);
    const upload = await control.upload(fn.id, guest("wasi-environ"));
    expect(upload.status).toBe(201);
  }
  edge = await startEdgeProcess(control.url, tempDir("wasi-routes-edge-"), "wasi-routes-node");
  await until("the node serves both functions", async () => {
    const statuses = await Promise.all(["/shop", "/api/v1/exact"].map(async (p) => (await fetch(edge.url + p)).status));
    return statuses.every((s) => s === 200);
  });
}, 60_000);
afterAll(() => Promise.all([edge?.stop("SIGKILL"), control?.stop()]));

async function environ(path: string) {
  const res = await fetch(edge.url + path);
  expect(res.status).toBe(200);
  return environOf(await res.text());
}

test.each([
  ["/shop/items/42", "/shop/*", "/shop", "/items/42"],
  ["/shop/", "/shop/*", "/shop", "/"],
  ["/shop", "/shop", "/shop", ""],
  ["/shop/a%20b/%E2%98%83", "/shop/*", "/shop", "/a b/\u2603"],
  ["/api/v1/exact", "/api/v1/exact", "/api/v1/exact", ""],
])("%s: route %s, SCRIPT_NAME %s, PATH_INFO %s", async (path, route, scriptName, pathInfo) => {
  const { vars } = await environ(`${path}?k=v`);
  expect(vars.get("X_MATCHED_ROUTE")).toBe(route);
  expect(vars.get("SCRIPT_NAME")).toBe(scriptName);
  expect(vars.get("PATH_INFO")).toBe(pathInfo);
  expect(vars.get("X_RAW_PATH_INFO")).toBe(path.slice(scriptName.length));
  expect(vars.get("QUERY_STRING")).toBe("k=v");
  expect(vars.get("X_FULL_URL")).toBe(`${edge.url}${path}?k=v`);
  expect(vars.get("SERVER_PORT")).toBe(String(edge.port));
  expect(vars.get("REMOTE_ADDR")).toBe("127.0.0.1");
});

test("argv is the registered function's name; env is the function's own, after the CGI variables", async () => {
  const shop = await environ("/shop/x");
  expect(shop.args).toEqual(["shop"]);
  expect(shop.vars.get("OWN")).toBe("shop-env");
  expect(shop.entries.at(-1)).toEqual(["OWN", "shop-env"]);
  const exact = await environ("/api/v1/exact");
  expect(exact.args).toEqual(["exact"]);
  expect(exact.vars.has("OWN")).toBe(false);
});
