// /api/v1/functions/by-name/{name} (GET, PATCH, DELETE) and ?name= on the list, against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";
import { rawUpload, sendJson } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("functions by name", () => {
  test("GET by name answers the record GET by id does; 404 for an unknown name, 422 for an invalid one", async () => {
    const fn = await control.createFunction({ name: "named", env: { A: "1" } });
    const byName = await control.api("/api/v1/functions/by-name/named");
    expect(byName.status).toBe(200);
    expect(await byName.json()).toEqual(fn);
    const missing = await control.api("/api/v1/functions/by-name/nobody");
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toMatchObject({ code: "not_found", message: 'no function named "nobody"' });
    expect((await errorOf(await control.api("/api/v1/functions/by-name/Not_A_Slug"))).field).toBe("name");
    expect((await control.api("/api/v1/functions/by-name/named", { token: READ_TOKEN })).status).toBe(200);
    expect((await control.fetch("/api/v1/functions/by-name/named")).status).toBe(401);
  });

  test("PATCH by name changes the given fields; 404 unknown; 403 read-only token", async () => {
    const fn = await control.createFunction({ name: "patch-by-name", memory_pages: 8 });
    const response = await sendJson(control, "PATCH", "/api/v1/functions/by-name/patch-by-name", {
      max_execution_ms: 900,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: fn.id, max_execution_ms: 900, memory_pages: 8 });
    // A rename moves the by-name address with it.
    await sendJson(control, "PATCH", "/api/v1/functions/by-name/patch-by-name", { name: "renamed" });
    expect((await control.api("/api/v1/functions/by-name/renamed")).status).toBe(200);
    expect((await control.api("/api/v1/functions/by-name/patch-by-name")).status).toBe(404);
    expect((await sendJson(control, "PATCH", "/api/v1/functions/by-name/nobody", { max_execution_ms: 1 })).status).toBe(
      404,
    );
    const readOnly = await sendJson(control, "PATCH", "/api/v1/functions/by-name/renamed", {}, {}, READ_TOKEN);
    expect(readOnly.status).toBe(403);
  });

  test("DELETE by name answers 204 and frees the name; then 404", async () => {
    await control.createFunction({ name: "delete-by-name" });
    expect((await control.api("/api/v1/functions/by-name/delete-by-name", { method: "DELETE" })).status).toBe(204);
    expect((await control.api("/api/v1/functions/by-name/delete-by-name")).status).toBe(404);
    expect((await control.api("/api/v1/functions/by-name/delete-by-name", { method: "DELETE" })).status).toBe(404);
    await control.createFunction({ name: "delete-by-name" });
  });

  test("versions, upload, one version and activate by name", async () => {
    const fn = await control.createFunction({ name: "versions-by-name" });
    const base = "/api/v1/functions/by-name/versions-by-name";
    expect((await rawUpload(control, `${base}/upload`, validModule("one"))).status).toBe(201);
    const form = new FormData();
    form.append("file", new Blob([validModule("two")]), "m.wasm");
    expect((await control.api(`${base}/upload`, { method: "POST", body: form })).status).toBe(201);
    const list = (await (await control.api(`${base}/versions`)).json()) as { versions: { version: number }[] };
    expect(list.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(await (await control.api(`${base}/versions/1`)).json()).toMatchObject({
      function_id: fn.id,
      version: 1,
      active: false,
    });
    const back = await sendJson(control, "POST", `${base}/activate`, { version: 1 });
    expect(await back.json()).toMatchObject({ id: fn.id, active_version: 1 });
    expect((await rawUpload(control, "/api/v1/functions/by-name/nobody/upload", validModule())).status).toBe(404);
    expect((await control.api("/api/v1/functions/by-name/nobody/versions")).status).toBe(404);
    expect((await control.api(`${base}/versions/9`)).status).toBe(404);
  });

  test("?name= filters the list to that function, or none", async () => {
    const fn = await control.createFunction({ name: "listed-by-name" });
    await control.createFunction({ name: "listed-other" });
    expect(await (await control.api("/api/v1/functions?name=listed-by-name")).json()).toEqual({
      functions: [fn],
      next_cursor: null,
    });
    expect(await (await control.api("/api/v1/functions?name=nobody")).json()).toEqual({
      functions: [],
      next_cursor: null,
    });
    expect((await errorOf(await control.api("/api/v1/functions?name=Bad%20Name"))).field).toBe("name");
  });
});
