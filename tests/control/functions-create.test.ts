// POST /api/v1/functions against a real server: defaults, validation, conflicts and auth.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("POST /api/v1/functions", () => {
  test("201 with the function, defaults filled in", async () => {
    const response = await control.post("/api/v1/functions", { name: "defaults" });
    expect(response.status).toBe(201);
    const fn = (await response.json()) as Record<string, unknown>;
    expect(fn).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "defaults",
      entrypoint: "handle",
      runtime: "wasm",
      memory_pages: 16,
      max_execution_ms: 500,
      max_concurrency: null,
      max_body_bytes: null,
      env: {},
      routes: ["/defaults", "/defaults/*"],
      active_version: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Date.parse(String(fn.created_at))).toBeGreaterThan(0);
  });

  test("every field as given", async () => {
    const body = {
      name: "full",
      entrypoint: "main",
      runtime: "wasm",
      memory_pages: 32,
      max_execution_ms: 1000,
      max_concurrency: 4,
      max_body_bytes: 4096,
      env: { GREETING: "hi" },
      routes: ["/full-api/*"],
    };
    const response = await control.post("/api/v1/functions", body);
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject(body);
  });

  test("409 on a duplicate name", async () => {
    await control.createFunction({ name: "dup" });
    const response = await control.post("/api/v1/functions", { name: "dup", routes: ["/other-dup"] });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toEqual({ code: "name_taken", message: 'a function named "dup" already exists' });
  });

  test("409 on routes overlapping another function's, naming both", async () => {
    await control.createFunction({ name: "shop", routes: ["/shop/*"] });
    const response = await control.post("/api/v1/functions", { name: "cart", routes: ["/shop/cart"] });
    expect(response.status).toBe(409);
    const error = await errorOf(response);
    expect(error.code).toBe("route_conflict");
    expect(error.message).toContain("/shop/cart overlaps /shop/*");
    expect(error.message).toContain('"shop"');
  });

  test.each([
    [{ name: "Upper" }, "name"],
    [{ name: "-lead" }, "name"],
    [{ name: "x".repeat(64) }, "name"],
    [{}, "name"],
    [{ name: "b1", memory_pages: 0 }, "memory_pages"],
    [{ name: "b2", memory_pages: 16385 }, "memory_pages"],
    [{ name: "b3", memory_pages: 1.5 }, "memory_pages"],
    [{ name: "b4", max_execution_ms: 0 }, "max_execution_ms"],
    [{ name: "b5", max_execution_ms: 60001 }, "max_execution_ms"],
    [{ name: "b6", max_execution_ms: "500" }, "max_execution_ms"],
    [{ name: "b7", runtime: "js" }, "runtime"],
    [{ name: "b8", entrypoint: "" }, "entrypoint"],
    [{ name: "c1", max_concurrency: 0 }, "max_concurrency"],
    [{ name: "c2", max_concurrency: 1025 }, "max_concurrency"],
    [{ name: "c3", max_body_bytes: -1 }, "max_body_bytes"],
    [{ name: "b9", env: { "1BAD": "x" } }, "env.1BAD"],
    [{ name: "b10", env: { OK: 1 } }, "env.OK"],
    [{ name: "b11", routes: ["no-slash"] }, "routes.0"],
    [{ name: "b12", routes: ["/a/*/b"] }, "routes.0"],
    [{ name: "b13", routes: ["/a", "/a"] }, "routes"],
    [{ name: "b14", memory_page: 3 }, "memory_page"],
    // Routes a node could never serve (core/contract/route-pattern.ts: unservableRoute).
    [{ name: "r1", routes: [] }, "routes"],
    [{ name: "r2", routes: ["/r2", "/a/../b"] }, "routes.1"],
    [{ name: "r3", routes: ["/x/%2e%2E/y"] }, "routes.0"],
    [{ name: "r4", routes: ["/a/./*"] }, "routes.0"],
    [{ name: "r5", routes: ["/healthz"] }, "routes.0"],
    [{ name: "r6", routes: ["/metrics"] }, "routes.0"],
    [{ name: "r7", routes: ["/%"] }, "routes.0"],
    [{ name: "r8", routes: ["/a%zz/*"] }, "routes.0"],
    [{ name: "healthz" }, "routes.0"],
  ])("422 for %j names field %p", async (body, field) => {
    const response = await control.post("/api/v1/functions", body);
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe("validation_failed");
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  test("routes a node serves are accepted: /healthz/*, escapes, dots inside a segment", async () => {
    for (const routes of [["/healthz/*"], ["/metrics-v2", "/%7Euser/*"], ["/a/.../b", "/a/..b"]]) {
      const response = await control.post("/api/v1/functions", {
        name: `ok-${routes.length}-${routes[0]!.length}`,
        routes,
      });
      expect(response.status).toBe(201);
    }
  });

  test("the bounds themselves are accepted", async () => {
    expect((await control.post("/api/v1/functions", { name: "lo", memory_pages: 1, max_execution_ms: 1 })).status).toBe(
      201,
    );
    expect(
      (await control.post("/api/v1/functions", { name: "hi", memory_pages: 16384, max_execution_ms: 60000 })).status,
    ).toBe(201);
  });

  test("401 without a token, with a wrong one, or with another scheme; 403 with the read-only token", async () => {
    const body = JSON.stringify({ name: "sneaky" });
    const headers = { "content-type": "application/json" };
    for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Basic ${btoa("admin:x")}`, "Bearer"]) {
      const response = await control.fetch("/api/v1/functions", {
        method: "POST",
        body,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      expect((await errorOf(response)).code).toBe("unauthorized");
    }
    const readOnly = await control.api("/api/v1/functions", { method: "POST", body, headers, token: READ_TOKEN });
    expect(readOnly.status).toBe(403);
    expect((await errorOf(readOnly)).code).toBe("forbidden");
    expect((await control.api("/api/v1/functions?limit=100")).status).toBe(200);
    const names = (
      (await (await control.api("/api/v1/functions?limit=100")).json()) as { functions: { name: string }[] }
    ).functions.map((f) => f.name);
    expect(names).not.toContain("sneaky");
  });
});
