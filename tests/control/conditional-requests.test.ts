// ETag on function records, If-Match on PATCH/DELETE/PUT (412 on a lost update), and
// Cache-Control: no-store on every response carrying function settings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";
import { revisionOf, sendJson } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

const etagOf = (response: Response) => response.headers.get("etag");

describe("ETag", () => {
  test("a strong ETag on GET, PATCH, PUT, create and activate; the same for the same record, new on every change", async () => {
    const created = await control.post("/api/v1/functions", { name: "tagged" });
    const fn = (await created.json()) as { id: string };
    const tag = etagOf(created);
    expect(tag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(etagOf(await control.api(`/api/v1/functions/${fn.id}`))).toBe(tag);
    expect(etagOf(await control.api("/api/v1/functions/by-name/tagged"))).toBe(tag);
    const patched = await sendJson(control, "PATCH", `/api/v1/functions/${fn.id}`, { max_execution_ms: 10 });
    expect(etagOf(patched)).not.toBe(tag);
    expect(etagOf(await control.api(`/api/v1/functions/${fn.id}`))).toBe(etagOf(patched));
    // An upload changes active_version, so the record's ETag.
    await control.upload(fn.id, validModule("a"));
    const afterUpload = etagOf(await control.api(`/api/v1/functions/${fn.id}`));
    expect(afterUpload).not.toBe(etagOf(patched));
    await control.upload(fn.id, validModule("b"));
    const activated = await sendJson(control, "POST", `/api/v1/functions/${fn.id}/activate`, { version: 1 });
    expect(etagOf(activated)).toBe(etagOf(await control.api(`/api/v1/functions/${fn.id}`)));
    const put = await sendJson(control, "PUT", "/api/v1/functions/by-name/tagged", { max_execution_ms: 10 });
    expect(etagOf(put)).toBe(etagOf(activated));
  });
});

describe("If-Match", () => {
  test("PATCH by id or by name: the current ETag or * succeeds; a stale, weak or unknown one is 412 and changes nothing", async () => {
    const fn = await control.createFunction({ name: "guarded" });
    const current = etagOf(await control.api(`/api/v1/functions/${fn.id}`))!;
    const ok = await sendJson(
      control,
      "PATCH",
      `/api/v1/functions/${fn.id}`,
      { max_execution_ms: 11 },
      {
        "if-match": current,
      },
    );
    expect(ok.status).toBe(200);
    const before = await revisionOf(control);
    for (const stale of [current, `W/${etagOf(ok)}`, '"nope"', "garbage"]) {
      for (const path of [`/api/v1/functions/${fn.id}`, "/api/v1/functions/by-name/guarded"]) {
        const lost = await sendJson(control, "PATCH", path, { max_execution_ms: 12 }, { "if-match": stale });
        expect(lost.status).toBe(412);
        expect(await errorOf(lost)).toMatchObject({ code: "precondition_failed" });
      }
    }
    expect(await revisionOf(control)).toBe(before);
    const listed = await sendJson(
      control,
      "PATCH",
      "/api/v1/functions/by-name/guarded",
      { max_execution_ms: 13 },
      {
        "if-match": `"other", ${etagOf(ok)}`,
      },
    );
    expect(listed.status).toBe(200);
    const any = await sendJson(
      control,
      "PATCH",
      `/api/v1/functions/${fn.id}`,
      { max_execution_ms: 14 },
      {
        "if-match": "*",
      },
    );
    expect(any.status).toBe(200);
  });

  test("DELETE by id or by name honours If-Match", async () => {
    const a = await control.createFunction({ name: "guarded-delete" });
    const tag = etagOf(await control.api(`/api/v1/functions/${a.id}`))!;
    await sendJson(control, "PATCH", `/api/v1/functions/${a.id}`, { max_execution_ms: 5 });
    for (const path of [`/api/v1/functions/${a.id}`, "/api/v1/functions/by-name/guarded-delete"]) {
      const lost = await control.api(path, { method: "DELETE", headers: { "if-match": tag } });
      expect(lost.status).toBe(412);
      expect((await errorOf(lost)).code).toBe("precondition_failed");
    }
    const fresh = etagOf(await control.api(`/api/v1/functions/${a.id}`))!;
    const gone = await control.api("/api/v1/functions/by-name/guarded-delete", {
      method: "DELETE",
      headers: { "if-match": fresh },
    });
    expect(gone.status).toBe(204);
  });

  test("PUT honours If-Match: 412 when it changed, or when there is no function to match", async () => {
    const created = await sendJson(control, "PUT", "/api/v1/functions/by-name/guarded-put", {});
    const tag = etagOf(created)!;
    await sendJson(control, "PUT", "/api/v1/functions/by-name/guarded-put", { max_execution_ms: 7 });
    const lost = await sendJson(control, "PUT", "/api/v1/functions/by-name/guarded-put", {}, { "if-match": tag });
    expect(lost.status).toBe(412);
    const none = await sendJson(control, "PUT", "/api/v1/functions/by-name/not-there", {}, { "if-match": "*" });
    expect(none.status).toBe(412);
    expect((await control.api("/api/v1/functions/by-name/not-there")).status).toBe(404);
  });
});

describe("Cache-Control", () => {
  test("no-store on every response carrying function settings", async () => {
    const created = await control.post("/api/v1/functions", { name: "uncached", env: { SECRET: "x" } });
    const fn = (await created.json()) as { id: string };
    await control.upload(fn.id, validModule());
    const responses = [
      created,
      await control.api("/api/v1/functions"),
      await control.api("/api/v1/functions?name=uncached"),
      await control.api(`/api/v1/functions/${fn.id}`),
      await control.api("/api/v1/functions/by-name/uncached"),
      await sendJson(control, "PATCH", `/api/v1/functions/${fn.id}`, { max_execution_ms: 9 }),
      await sendJson(control, "PATCH", "/api/v1/functions/by-name/uncached", { max_execution_ms: 8 }),
      await sendJson(control, "PUT", "/api/v1/functions/by-name/uncached", { env: { SECRET: "x" } }),
      await sendJson(control, "PUT", "/api/v1/functions/by-name/uncached-new", {}),
      await sendJson(control, "POST", `/api/v1/functions/${fn.id}/activate`, { version: 1 }),
      await sendJson(control, "POST", "/api/v1/functions/by-name/uncached/activate", { version: 1 }),
    ];
    for (const response of responses) {
      expect(response.status).toBeLessThan(300);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
  });
});
