// /api/v1/functions: happy paths, validation, conflicts and auth, against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_JSON_BYTES } from "../../control/json-body";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";

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

  test("an env over 1 MiB as JSON is a 422 naming env, on create and on patch; 1 MiB itself is accepted", async () => {
    // 100 values of 10,000 three-byte characters: 3 MB of UTF-8, within the per-value bounds.
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`K${i}`, "€".repeat(10_000)]));
    const response = await control.post("/api/v1/functions", { name: "wide-env", env: wide });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "env_too_large", field: "env" });
    expect(error.message).toStartWith("env: is 3,000,891 bytes as JSON");
    expect(error.message).toContain("at most 1,048,576");
    // Escapes count: 40 values of 16,384 newlines are 1,310,720 bytes of JSON.
    const escaped = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`N${i}`, "\n".repeat(16_384)]));
    expect(await errorOf(await control.post("/api/v1/functions", { name: "escaped-env", env: escaped }))).toMatchObject(
      { code: "env_too_large", field: "env" },
    );
    const exact = envOfJsonBytes(1024 * 1024);
    const fn = await control.createFunction({ name: "exact-env", env: exact });
    const patch = (env: unknown) =>
      control.api(`/api/v1/functions/${fn.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ env }),
      });
    expect((await patch({ ...exact, B: "" })).status).toBe(422);
    expect((await errorOf(await patch(wide))).field).toBe("env");
    expect((await patch({ A: "small" })).status).toBe(200);
  });

  /** Entries of at most 16,384 ASCII characters whose JSON is `bytes` long. */
  function envOfJsonBytes(bytes: number): Record<string, string> {
    const env: Record<string, string> = {};
    let left = bytes - 2; // {}
    for (let i = 0; left > 0; i++) {
      const key = `K${String(i).padStart(4, "0")}`;
      const overhead = key.length + 5 + (i > 0 ? 1 : 0); // "K":"" and a comma
      const value = Math.min(16_384, left - overhead);
      env[key] = "v".repeat(value);
      left -= overhead + value;
    }
    return env;
  }

  test("the bounds themselves are accepted", async () => {
    expect((await control.post("/api/v1/functions", { name: "lo", memory_pages: 1, max_execution_ms: 1 })).status).toBe(
      201,
    );
    expect(
      (await control.post("/api/v1/functions", { name: "hi", memory_pages: 16384, max_execution_ms: 60000 })).status,
    ).toBe(201);
  });

  test("400 for malformed JSON", async () => {
    const response = await control.api("/api/v1/functions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("malformed_body");
  });

  test("JSON bodies are capped: the largest valid env fits; beyond the cap 413 in the error shape, by Content-Length or while streaming, on every JSON route", async () => {
    const env = envOfJsonBytes(1024 * 1024); // the largest env there may be
    const routes = Array.from({ length: 32 }, (_, i) => `/largest-${String(i).padStart(2, "0")}${"r".repeat(200)}/*`);
    const largest = await control.post("/api/v1/functions", { name: "largest-env", env, routes });
    expect(largest.status).toBe(201);
    const { id } = (await largest.json()) as { id: string };

    const over = JSON.stringify({ name: "too-big", env: { BIG: "x".repeat(MAX_JSON_BYTES) } });
    const json = { "content-type": "application/json" };
    /** 20 MiB of a JSON string, sent chunked (no Content-Length). */
    const streamed = () => {
      let sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name": "streamed", "env": {"BIG": "'));
          if (sent >= 20 * 1024 * 1024) return controller.close();
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x78));
          sent += 64 * 1024;
        },
      });
    };
    for (const [method, path, body] of [
      ["POST", "/api/v1/functions", over],
      ["PATCH", `/api/v1/functions/${id}`, over],
      ["POST", `/api/v1/functions/${id}/activate`, over],
      ["POST", "/api/v1/functions", streamed()],
      ["PATCH", `/api/v1/functions/${id}`, streamed()],
    ] as const) {
      const response = await control.api(path, { method, headers: json, body, duplex: "half" } as RequestInit);
      expect(response.status).toBe(413);
      expect(await errorOf(response)).toEqual({
        code: "payload_too_large",
        message: `JSON bodies are limited to ${MAX_JSON_BYTES} bytes`,
      });
    }
    const names = (
      (await (await control.api("/api/v1/functions?limit=100")).json()) as { functions: { name: string }[] }
    ).functions.map((f) => f.name);
    expect(names).not.toContain("too-big");
    expect(names).not.toContain("streamed");
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

describe("GET /api/v1/functions", () => {
  test("pages with limit and cursor", async () => {
    const local = await startTestControl();
    try {
      for (const name of ["p1", "p2", "p3"]) await local.createFunction({ name });
      const first = (await (await local.api("/api/v1/functions?limit=2")).json()) as {
        functions: { id: string; name: string }[];
        next_cursor: string;
      };
      expect(first.functions.map((f: { name: string }) => f.name)).toEqual(["p1", "p2"]);
      expect(first.next_cursor).toBe(first.functions[1].id);
      const second = await (await local.api(`/api/v1/functions?limit=2&cursor=${first.next_cursor}`)).json();
      expect(second).toMatchObject({ functions: [{ name: "p3" }], next_cursor: null });
      expect((await local.api("/api/v1/functions?limit=0")).status).toBe(422);
      expect((await errorOf(await local.api("/api/v1/functions?limit=abc"))).field).toBe("limit");
    } finally {
      await local.stop();
    }
  });

  test("401 without a token; the read-only token may read", async () => {
    expect((await control.fetch("/api/v1/functions")).status).toBe(401);
    expect((await control.api("/api/v1/functions", { token: READ_TOKEN })).status).toBe(200);
  });
});

describe("GET, PATCH, DELETE /api/v1/functions/{id}", () => {
  test("get returns the function; 404 for unknown ids", async () => {
    const fn = await control.createFunction({ name: "getme" });
    expect(await (await control.api(`/api/v1/functions/${fn.id}`)).json()).toEqual(fn);
    const missing = await control.api("/api/v1/functions/00000000-0000-0000-0000-000000000000");
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("not_found");
    // Path-like ids are just unknown ids: they only ever reach a SQL parameter.
    expect((await control.api(`/api/v1/functions/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    expect((await control.fetch(`/api/v1/functions/${fn.id}`)).status).toBe(401);
  });

  test("patch changes the given fields and bumps updated_at", async () => {
    const fn = await control.createFunction({ name: "patchme", memory_pages: 64, entrypoint: "main" });
    await Bun.sleep(5);
    const response = await control.api(`/api/v1/functions/${fn.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ max_execution_ms: 2000, env: { A: "b" } }),
    });
    expect(response.status).toBe(200);
    const updated = (await response.json()) as { updated_at: string };
    // Fields not named keep their values (not the schema defaults).
    expect(updated).toMatchObject({
      name: "patchme",
      max_execution_ms: 2000,
      env: { A: "b" },
      memory_pages: 64,
      entrypoint: "main",
      runtime: "wasm",
      created_at: fn.created_at,
    });
    expect(updated.updated_at > (fn.updated_at as string)).toBe(true);
  });

  test("patch errors: 422 empty or invalid, 409 taken name, 404 unknown, 401/403", async () => {
    const fn = await control.createFunction({ name: "patch-errors" });
    await control.createFunction({ name: "taken" });
    const patch = (id: string, body: unknown, token?: string) =>
      control.api(`/api/v1/functions/${id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        token,
      });
    expect((await patch(fn.id, {})).status).toBe(422);
    expect((await errorOf(await patch(fn.id, { memory_pages: -1 }))).field).toBe("memory_pages");
    expect((await errorOf(await patch(fn.id, { routes: [] }))).field).toBe("routes");
    expect((await errorOf(await patch(fn.id, { routes: ["/ok", "/metrics"] }))).field).toBe("routes.1");
    expect((await patch(fn.id, { name: "taken" })).status).toBe(409);
    expect((await patch(fn.id, { routes: ["/taken/x"] })).status).toBe(409);
    expect((await patch("00000000-0000-0000-0000-000000000000", { max_execution_ms: 5 })).status).toBe(404);
    expect((await patch(fn.id, { max_execution_ms: 5 }, READ_TOKEN)).status).toBe(403);
    expect((await control.fetch(`/api/v1/functions/${fn.id}`, { method: "PATCH", body: "{}" })).status).toBe(401);
  });

  test("patch refuses limits the active version would not pass", async () => {
    const fn = await control.createFunction({ name: "patch-limits", memory_pages: 4 });
    expect((await control.upload(fn.id, validModule("", 3))).status).toBe(201);
    const response = await control.api(`/api/v1/functions/${fn.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ memory_pages: 2 }),
    });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe("memory_too_large");
    expect(error.message).toContain("active version 1");
  });

  test("delete answers 204, then 404; frees the name", async () => {
    const fn = await control.createFunction({ name: "deleteme" });
    expect((await control.api(`/api/v1/functions/${fn.id}`, { method: "DELETE", token: READ_TOKEN })).status).toBe(403);
    expect((await control.fetch(`/api/v1/functions/${fn.id}`, { method: "DELETE" })).status).toBe(401);
    const response = await control.api(`/api/v1/functions/${fn.id}`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect((await control.api(`/api/v1/functions/${fn.id}`)).status).toBe(404);
    expect((await control.api(`/api/v1/functions/${fn.id}`, { method: "DELETE" })).status).toBe(404);
    await control.createFunction({ name: "deleteme" });
  });
});
