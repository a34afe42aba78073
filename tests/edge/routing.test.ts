// Route tables: exact paths, prefixes, longest prefix first, and nothing else.
import { expect, test } from "bun:test";
import { RouteTable } from "../../runner/edge/serving/route-table";

const entry = (name: string, routes: string[]) => ({ name, routes, poolKey: `${name}@1` });

test("exact paths match only themselves; prefixes match what is under them, not the bare path", () => {
  const table = RouteTable.build([
    entry("users", ["/api/users"]),
    entry("hello", ["/hello", "/hello/*"]),
    entry("root", ["/"]),
  ]);
  expect(table.match("/api/users")?.name).toBe("users");
  expect(table.match("/api/users/1")).toBeNull();
  expect(table.match("/hello")?.name).toBe("hello");
  expect(table.match("/hello/")?.name).toBe("hello");
  expect(table.match("/hello/a/b")?.name).toBe("hello");
  expect(table.match("/helloworld")).toBeNull();
  expect(table.match("/")?.name).toBe("root");
  expect(table.match("/other")).toBeNull();
});

test("the longest prefix wins, and an exact path beats any prefix", () => {
  const table = RouteTable.build([
    entry("all", ["/*"]),
    entry("api", ["/api/*"]),
    entry("v2", ["/api/v2/*"]),
    entry("health", ["/api/v2/health"]),
  ]);
  expect(table.match("/api/v2/users")?.name).toBe("v2");
  expect(table.match("/api/v2/health")?.name).toBe("health");
  expect(table.match("/api/v1/users")?.name).toBe("api");
  expect(table.match("/api")?.name).toBe("all");
  expect(table.match("/")?.name).toBe("all");
  expect(table.match("/x/y/z")?.name).toBe("all");
});

test("pool keys of the routed deployments are known; an empty table routes nothing", () => {
  const table = RouteTable.build([entry("a", ["/a"]), entry("b", ["/b/*"])]);
  expect(table.hasPoolKey("a@1")).toBe(true);
  expect(table.hasPoolKey("c@1")).toBe(false);
  expect(RouteTable.empty().match("/a")).toBeNull();
});
