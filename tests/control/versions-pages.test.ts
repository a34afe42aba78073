// GET .../versions a page at a time (limit, cursor, next_cursor) and GET .../versions/{version}.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { errorOf } from "../helpers/control-api";
import { validModule } from "../fixtures/guests";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { rawUpload } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

type Page = { versions: { version: number; active: boolean }[]; next_cursor: string | null };

test("pages oldest first with limit and cursor; next_cursor null on the last page", async () => {
  const fn = await control.createFunction({ name: "paged" });
  for (let i = 1; i <= 5; i++) await rawUpload(control, `/api/v1/functions/${fn.id}/upload`, validModule(`v${i}`));
  const read = async (query: string) =>
    (await (await control.api(`/api/v1/functions/${fn.id}/versions${query}`)).json()) as Page;
  const first = await read("?limit=2");
  expect(first).toMatchObject({ versions: [{ version: 1 }, { version: 2 }], next_cursor: "2" });
  const second = await read(`?limit=2&cursor=${first.next_cursor}`);
  expect(second).toMatchObject({ versions: [{ version: 3 }, { version: 4 }], next_cursor: "4" });
  const last = await read(`?limit=2&cursor=${second.next_cursor}`);
  expect(last).toMatchObject({ versions: [{ version: 5, active: true }], next_cursor: null });
  expect((await read("")).versions).toHaveLength(5);
  expect((await read("?limit=5")).next_cursor).toBeNull();
  const byName = (await (
    await control.api("/api/v1/functions/by-name/paged/versions?limit=3&cursor=1")
  ).json()) as Page;
  expect(byName).toMatchObject({ versions: [{ version: 2 }, { version: 3 }, { version: 4 }], next_cursor: "4" });
  for (const bad of ["?limit=0", "?limit=101", "?limit=x", "?cursor=0", "?cursor=abc"]) {
    const response = await control.api(`/api/v1/functions/${fn.id}/versions${bad}`);
    expect([bad, response.status]).toEqual([bad, 422]);
    expect((await errorOf(response)).field).toBe(bad.slice(1, bad.indexOf("=")));
  }
});

test("the default page is 50 versions", async () => {
  const fn = await control.createFunction({ name: "paged-default" });
  const uploads = Array.from({ length: 51 }, (_, i) =>
    rawUpload(control, `/api/v1/functions/${fn.id}/upload?activate=false`, validModule(`d${i}`)),
  );
  expect((await Promise.all(uploads)).every((r) => r.status === 201)).toBe(true);
  const page = (await (await control.api(`/api/v1/functions/${fn.id}/versions`)).json()) as Page;
  expect(page.versions).toHaveLength(50);
  expect(page.next_cursor).toBe("50");
});

test("one version: GET .../versions/{version}; 404 version_not_found or not_found", async () => {
  const fn = await control.createFunction({ name: "one-version" });
  await rawUpload(control, `/api/v1/functions/${fn.id}/upload`, validModule("one"));
  expect(await (await control.api(`/api/v1/functions/${fn.id}/versions/1`)).json()).toMatchObject({
    function_id: fn.id,
    version: 1,
    active: true,
  });
  expect((await errorOf(await control.api(`/api/v1/functions/${fn.id}/versions/2`))).code).toBe("version_not_found");
  const unknown = await control.api("/api/v1/functions/00000000-0000-0000-0000-000000000000/versions/1");
  expect((await errorOf(unknown)).code).toBe("not_found");
  expect((await errorOf(await control.api(`/api/v1/functions/${fn.id}/versions/x`))).field).toBe("version");
});
