// PUT /api/v1/functions/by-name/{name}: idempotent create-or-update to exactly the stated spec.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";
import { revisionOf, sendJson } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

const put = (name: string, body: unknown, headers: Record<string, string> = {}, token?: string) =>
  sendJson(control, "PUT", `/api/v1/functions/by-name/${name}`, body, headers, token);

describe("PUT /api/v1/functions/by-name/{name}", () => {
  test("creates: 201 with Location naming the new function, defaults filled in", async () => {
    const response = await put("put-new", { max_execution_ms: 700 });
    expect(response.status).toBe(201);
    const fn = (await response.json()) as { id: string };
    expect(fn).toMatchObject({
      name: "put-new",
      max_execution_ms: 700,
      memory_pages: 16,
      routes: ["/put-new", "/put-new/*"],
    });
    expect(response.headers.get("location")).toBe(`/api/v1/functions/${fn.id}`);
    expect(await (await control.api(response.headers.get("location")!)).json()).toEqual(fn);
  });

  test("the same PUT again: 200, the same record, and no new revision", async () => {
    const spec = { runtime: "wasm", memory_pages: 4, env: { B: "2", A: "1" }, routes: ["/same"] };
    const first = await put("put-same", spec);
    expect(first.status).toBe(201);
    const before = await revisionOf(control);
    // The env in another key order is the same env.
    const again = await put("put-same", { ...spec, env: { A: "1", B: "2" } });
    expect(again.status).toBe(200);
    expect(again.headers.get("location")).toBeNull();
    expect(await again.json()).toEqual(await first.json());
    expect(await revisionOf(control)).toBe(before);
  });

  test("updates to exactly the stated spec: fields left out go back to their defaults", async () => {
    const created = (await (
      await put("put-update", { memory_pages: 8, max_execution_ms: 900, env: { K: "v" }, routes: ["/pu"] })
    ).json()) as { id: string; created_at: string };
    const before = await revisionOf(control);
    const response = await put("put-update", { memory_pages: 8 });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: created.id,
      created_at: created.created_at,
      memory_pages: 8,
      max_execution_ms: 500,
      env: {},
      routes: ["/put-update", "/put-update/*"],
    });
    expect(await revisionOf(control)).toBe(before + 1);
  });

  test("a runtime's defaults follow the stated runtime", async () => {
    await put("put-runtime", {});
    const response = await put("put-runtime", { runtime: "wasi" });
    expect(await response.json()).toMatchObject({ runtime: "wasi", entrypoint: "_start", memory_pages: 128 });
  });

  test("concurrent PUTs of a new name: one creates (201), the rest find it (200), one function", async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => put("put-race", { max_execution_ms: 42 })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)));
    expect(ids.size).toBe(1);
  });

  test("errors: 422 for a name in the body or bad fields, 409 for overlapping routes, 403 read-only, 401", async () => {
    expect((await errorOf(await put("put-errors", { name: "put-errors" }))).field).toBe("name");
    expect((await errorOf(await put("put-errors", { memory_pages: 0 }))).field).toBe("memory_pages");
    expect((await errorOf(await put("put-errors", { routes: ["/metrics"] }))).field).toBe("routes.0");
    expect((await errorOf(await put("Bad_Name", {}))).field).toBe("name");
    await put("put-owner", { routes: ["/owned/*"] });
    const overlap = await put("put-errors", { routes: ["/owned/x"] });
    expect(overlap.status).toBe(409);
    expect((await errorOf(overlap)).code).toBe("route_conflict");
    expect((await put("put-errors", {}, {}, READ_TOKEN)).status).toBe(403);
    expect((await control.fetch("/api/v1/functions/by-name/put-errors", { method: "PUT", body: "{}" })).status).toBe(
      401,
    );
    const notJson = await control.api("/api/v1/functions/by-name/put-errors", { method: "PUT", body: "x" });
    expect(notJson.status).toBe(415);
    expect((await control.api("/api/v1/functions/by-name/put-errors")).status).toBe(404);
  });

  test("new limits must still accept the active version (422), and nothing changes", async () => {
    const fn = (await (await put("put-limits", { memory_pages: 4 })).json()) as { id: string };
    expect((await control.upload(fn.id, validModule("", 3))).status).toBe(201);
    const before = await revisionOf(control);
    const response = await put("put-limits", { memory_pages: 2 });
    expect(response.status).toBe(422);
    expect((await errorOf(response)).code).toBe("memory_too_large");
    expect(await revisionOf(control)).toBe(before);
    expect(await (await control.api(`/api/v1/functions/${fn.id}`)).json()).toMatchObject({
      memory_pages: 4,
      active_version: 1,
    });
  });
});
