// Listing, reading, patching and deleting functions (/api/v1/functions and /{id}) against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

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
