// Version listing and activation (rollback, re-checks under current limits, auth) against a real server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { validModule } from "../fixtures/guests";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { versionsOf } from "./upload-state";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("GET /api/v1/functions/{id}/versions and POST /activate", () => {
  test("activate rolls back and forward; unknown versions 404; bad bodies 422", async () => {
    const fn = await control.createFunction({ name: "rollback" });
    await control.upload(fn.id, validModule("one"));
    await control.upload(fn.id, validModule("two"));
    const activate = (body: unknown, token?: string) =>
      control.api(`/api/v1/functions/${fn.id}/activate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        token,
      });
    const back = await activate({ version: 1 });
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ id: fn.id, active_version: 1 });
    expect((await versionsOf(control, fn.id)).map((v) => v.active)).toEqual([true, false]);
    expect(await (await activate({ version: 2 })).json()).toMatchObject({ active_version: 2 });
    const missing = await activate({ version: 9 });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("version_not_found");
    for (const bad of [{ version: 0 }, { version: "1" }, {}, { version: 1, extra: true }])
      expect((await activate(bad)).status).toBe(422);
    expect((await activate({ version: 1 }, READ_TOKEN)).status).toBe(403);
    expect((await control.fetch(`/api/v1/functions/${fn.id}/activate`, { method: "POST", body: "{}" })).status).toBe(
      401,
    );
    expect(
      (await control.post("/api/v1/functions/00000000-0000-0000-0000-000000000000/activate", { version: 1 })).status,
    ).toBe(404);
  });

  test("activation re-checks the version under the function's current limits", async () => {
    const fn = await control.createFunction({ name: "recheck", memory_pages: 4 });
    await control.upload(fn.id, validModule("", 3));
    await control.upload(fn.id, validModule("", 1));
    const patched = await control.api(`/api/v1/functions/${fn.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ memory_pages: 2 }),
    });
    expect(patched.status).toBe(200);
    const response = await control.post(`/api/v1/functions/${fn.id}/activate`, { version: 1 });
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: "memory_too_large", field: "version" });
  });

  test("versions: 404 unknown function, 401 without token, read-only token may read", async () => {
    expect((await control.api("/api/v1/functions/00000000-0000-0000-0000-000000000000/versions")).status).toBe(404);
    const fn = await control.createFunction({ name: "versions-auth" });
    expect((await control.fetch(`/api/v1/functions/${fn.id}/versions`)).status).toBe(401);
    expect(await (await control.api(`/api/v1/functions/${fn.id}/versions`, { token: READ_TOKEN })).json()).toEqual({
      versions: [],
      next_cursor: null,
    });
  });
});
