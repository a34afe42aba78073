// GET /api/v1/artifacts/{id}/{version}: bytes, digests, caching and auth.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";

let control: TestControl;
let id: string;
const modules = [validModule("v1"), validModule("v2")];
beforeAll(async () => {
  control = await startTestControl();
  id = (await control.createFunction({ name: "download" })).id;
  for (const bytes of modules) await control.upload(id, bytes);
});
afterAll(() => control.stop());

test("the bytes of each version, as application/wasm with ETag, Digest and Content-Digest", async () => {
  for (const [index, bytes] of modules.entries()) {
    const response = await control.api(`/api/v1/artifacts/${id}/${index + 1}`);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    const hash = createHash("sha256").update(bytes);
    const hex = hash.copy().digest("hex");
    const base64 = hash.digest("base64");
    expect(response.headers.get("content-type")).toBe("application/wasm");
    expect(response.headers.get("content-length")).toBe(String(bytes.length));
    expect(response.headers.get("etag")).toBe(`"${hex}"`);
    expect(response.headers.get("digest")).toBe(`sha-256=${base64}`);
    expect(response.headers.get("content-digest")).toBe(`sha-256=:${base64}:`);
  }
});

test("If-None-Match with the ETag answers 304 without a body; another ETag gets the bytes", async () => {
  const etag = (await control.api(`/api/v1/artifacts/${id}/1`)).headers.get("etag")!;
  for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
    const cached = await control.api(`/api/v1/artifacts/${id}/1`, { headers: { "if-none-match": header } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(etag);
    expect(await cached.text()).toBe("");
  }
  const stale = await control.api(`/api/v1/artifacts/${id}/1`, { headers: { "if-none-match": '"something-else"' } });
  expect(stale.status).toBe(200);
});

test("the read-only token may download; no token or a wrong one is 401", async () => {
  expect((await control.api(`/api/v1/artifacts/${id}/1`, { token: READ_TOKEN })).status).toBe(200);
  const anonymous = await control.fetch(`/api/v1/artifacts/${id}/1`);
  expect(anonymous.status).toBe(401);
  expect((await errorOf(anonymous)).code).toBe("unauthorized");
  expect((await control.api(`/api/v1/artifacts/${id}/1`, { token: `${READ_TOKEN}x` })).status).toBe(401);
});

test("404 for unknown versions or functions; 422 for a version that is not a number", async () => {
  const noVersion = await control.api(`/api/v1/artifacts/${id}/3`);
  expect(noVersion.status).toBe(404);
  expect((await errorOf(noVersion)).code).toBe("version_not_found");
  expect((await errorOf(await control.api("/api/v1/artifacts/00000000-0000-0000-0000-000000000000/1"))).code).toBe(
    "not_found",
  );
  for (const version of ["0", "x", "-1", "1.5", "..%2F..%2Fmetadata.sqlite"]) {
    const response = await control.api(`/api/v1/artifacts/${id}/${version}`);
    expect(response.status).toBe(422);
    expect((await errorOf(response)).field).toBe("version");
  }
});

test("?presigned=1 with artifacts in files: the bytes, as without it (the store cannot presign)", async () => {
  const response = await control.api(`/api/v1/artifacts/${id}/1?presigned=1`, { redirect: "manual" });
  expect(response.status).toBe(200);
  expect(response.headers.get("location")).toBeNull();
  expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(modules[0]!))).toBe(true);
});
