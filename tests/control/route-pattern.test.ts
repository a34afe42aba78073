import { expect, test } from "bun:test";
import { NODE_PATHS, ROUTE_PATTERN, defaultRoutes, routesOverlap, unservableRoute } from "../../core/contract";
import { RouteTable } from "../../runner/edge/serving/route-table";
import { createRunnerApp } from "../../runner/http/app";
import { createRunnerMetrics } from "../../runner/observe/metrics";
import { rawRequest } from "../helpers/raw-http";

test("exact routes match one path; prefix routes match everything below", () => {
  // Through the edge's own routing: a table holding the one pattern.
  const matchesRoute = (pattern: string, path: string) =>
    RouteTable.build([{ routes: [pattern], poolKey: "f" }]).match(path) !== null;
  expect(matchesRoute("/api", "/api")).toBe(true);
  expect(matchesRoute("/api", "/api/x")).toBe(false);
  expect(matchesRoute("/api/*", "/api/x/y")).toBe(true);
  expect(matchesRoute("/api/*", "/api")).toBe(false);
  expect(matchesRoute("/api/*", "/apix")).toBe(false);
  expect(matchesRoute("/*", "/")).toBe(true);
  expect(matchesRoute("/", "/x")).toBe(false);
});

test.each([
  ["/a", "/a", true],
  ["/a", "/b", false],
  ["/a", "/a/*", false],
  ["/a/b", "/a/*", true],
  ["/a/*", "/a/b/*", true],
  ["/a/*", "/ab/*", false],
  ["/*", "/anything", true],
  ["/", "/*", true],
  ["/hello", "/hello/*", false],
])("overlap(%p, %p) = %p, both ways", (a, b, expected) => {
  expect(routesOverlap(a, b)).toBe(expected);
  expect(routesOverlap(b, a)).toBe(expected);
});

test("a function's default routes never overlap each other", () => {
  const [exact, prefix] = defaultRoutes("hello");
  expect([exact, prefix]).toEqual(["/hello", "/hello/*"]);
  expect(routesOverlap(exact!, prefix!)).toBe(false);
});

test("the route schema accepts the two forms only", () => {
  const valid = new RegExp(ROUTE_PATTERN);
  for (const ok of ["/", "/*", "/api", "/api/*", "/api/v1/users", "/a-b_c.d~e"]) expect(valid.test(ok)).toBe(true);
  for (const bad of ["", "api", "/api/", "/api/*/x", "/a*", "//", "/a b", "/api/**"])
    expect(valid.test(bad)).toBe(false);
});

test.each([
  ["/a/../b", "'.' or '..' segment"],
  ["/a/./b", "'.' or '..' segment"],
  ["/a/%2E%2e/*", "'.' or '..' segment"],
  ["/a/.%2e", "'.' or '..' segment"],
  ["/..", "'.' or '..' segment"],
  ["/healthz", "answered by every edge node itself"],
  ["/metrics", "answered by every edge node itself"],
  ["/readyz", "answered by every edge node itself"],
  ["/%", "invalid percent-escape"],
  ["/a%2", "invalid percent-escape"],
  ["/a%zz/*", "invalid percent-escape"],
])("unservableRoute(%p) says why: %p", (route, why) => {
  expect(new RegExp(ROUTE_PATTERN).test(route)).toBe(true);
  expect(unservableRoute(route)).toContain(why);
});

test.each(["/", "/*", "/healthz/*", "/metrics/x", "/a/.../b", "/a/..b", "/.well-known/*", "/%7Euser", "/a%2Fb"])(
  "unservableRoute(%p) is null: a node serves it",
  (route) => {
    expect(unservableRoute(route)).toBeNull();
  },
);

test("what a node routes on: Bun resolves dot segments (also escaped ones) and hands every other path over as sent", async () => {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) => new Response(new URL(request.url).pathname),
  });
  try {
    const sent = async (path: string) =>
      new TextDecoder().decode(
        (await rawRequest(`http://127.0.0.1:${server.port}`, [`GET ${path} HTTP/1.1`, "Host: node"])).body,
      );
    expect(await sent("/a/../b")).toBe("/b");
    expect(await sent("/a/%2e%2E/b")).toBe("/b");
    expect(await sent("/a/./b")).toBe("/a/b");
    for (const path of ["/p!$&'()+,;=:@~q", "/%7Euser", "/%7euser", "/a%2Fb", "/a/.../b", "/a/..b"])
      expect(await sent(path)).toBe(path);
  } finally {
    server.stop(true);
  }
});

test("NODE_PATHS are what the runner answers itself, for every method, never passing them to a function", async () => {
  const invoked: string[] = [];
  const app = createRunnerApp({
    metrics: createRunnerMetrics(() => ({
      workers: 1,
      busy: 0,
      inWorkers: 0,
      queued: 0,
      waiting: 0,
      queueLimit: 1,
      restarts: 0,
      functionsHeld: 0,
    })),
    health: () => ({}),
    notReady: () => null,
    invoke: (request) => (invoked.push(new URL(request.url).pathname), new Response("function")),
  });
  const connections = { timeout() {} };
  for (const path of NODE_PATHS) {
    for (const method of ["GET", "POST", "DELETE"])
      await app.fetch(new Request(`http://node${path}`, { method }), connections);
  }
  await app.fetch(new Request("http://node/healthz/x"), connections);
  expect(invoked).toEqual(["/healthz/x"]);
});
