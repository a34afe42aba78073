import { expect, test } from "bun:test";
import { ROUTE_PATTERN, defaultRoutes, matchesRoute, routesOverlap } from "../../control/contract";

test("exact routes match one path; prefix routes match everything below", () => {
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
  for (const bad of ["", "api", "/api/", "/api/*/x", "/a*", "//", "/a b", "/api/**"]) expect(valid.test(bad)).toBe(false);
});
