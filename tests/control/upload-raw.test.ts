// The module as the raw body (Content-Type: application/wasm), x-content-sha256, ?if_changed=true
// and Location on 201, against a real server with real files: same limits and guarantees as the form.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { errorOf, TOKEN } from "../helpers/control-api";
import { validModule } from "../fixtures/guests";
import { eventually } from "../helpers/until";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { sha256 } from "../helpers/sha256";
import { artifactFiles, tmpFiles, versionsOf } from "./upload-state";
import { rawUpload, revisionOf } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

const uploadPath = (id: string, query = "") => `/api/v1/functions/${id}/upload${query}`;

describe("raw upload", () => {
  test("201 with the version and a Location that reads it back; activate=false honoured", async () => {
    const fn = await control.createFunction({ name: "raw" });
    const bytes = validModule("raw");
    const response = await rawUpload(control, uploadPath(fn.id), bytes);
    expect(response.status).toBe(201);
    const version = await response.json();
    expect(version).toEqual({
      function_id: fn.id,
      version: 1,
      sha256: sha256(bytes),
      size: bytes.length,
      active: true,
      created_at: expect.any(String),
    });
    expect(response.headers.get("location")).toBe(`/api/v1/functions/${fn.id}/versions/1`);
    expect(await (await control.api(response.headers.get("location")!)).json()).toEqual(version);
    const second = await rawUpload(control, uploadPath(fn.id, "?activate=false"), validModule("raw2"));
    expect(await second.json()).toMatchObject({ version: 2, active: false });
    // The multipart form's 201 has a Location too.
    const form = await control.upload(fn.id, validModule("form"));
    expect(form.headers.get("location")).toBe(`/api/v1/functions/${fn.id}/versions/3`);
  });

  test("x-content-sha256: a match is accepted; a mismatch is 422 sha256_mismatch and stores nothing", async () => {
    const fn = await control.createFunction({ name: "raw-hashed" });
    const bytes = validModule("hashed");
    const good = await rawUpload(control, uploadPath(fn.id), bytes, {
      "x-content-sha256": sha256(bytes).toUpperCase(),
    });
    expect(good.status).toBe(201);
    const before = artifactFiles(control.dataDir).length;
    const other = validModule("other");
    const bad = await rawUpload(control, uploadPath(fn.id), other, { "x-content-sha256": "0".repeat(64) });
    expect(bad.status).toBe(422);
    const error = await errorOf(bad);
    expect(error).toMatchObject({ code: "sha256_mismatch", field: "x-content-sha256" });
    expect(error.message).toContain(sha256(other));
    const malformed = await rawUpload(control, uploadPath(fn.id), other, { "x-content-sha256": "xyz" });
    expect(await errorOf(malformed)).toMatchObject({ code: "validation_failed", field: "x-content-sha256" });
    // A form may send the header too; it must agree with a `sha256` field.
    const form = new FormData();
    form.append("file", new Blob([other]), "m.wasm");
    form.append("sha256", sha256(other));
    const disagree = await control.api(uploadPath(fn.id), {
      method: "POST",
      body: form,
      headers: { "x-content-sha256": "1".repeat(64) },
    });
    expect(await errorOf(disagree)).toMatchObject({ code: "validation_failed", field: "sha256" });
    expect(artifactFiles(control.dataDir).length).toBe(before);
    expect(tmpFiles(control.dataDir)).toEqual([]);
    expect(await versionsOf(control, fn.id)).toHaveLength(1);
  });

  test("the pipeline judges raw bytes as it judges a form's: 422 naming the reason, nothing stored", async () => {
    const fn = await control.createFunction({ name: "raw-rejected" });
    const response = await rawUpload(control, uploadPath(fn.id), new TextEncoder().encode("<html>"));
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: "not_wasm", field: "file" });
    const empty = await rawUpload(control, uploadPath(fn.id), new Uint8Array(0));
    expect((await errorOf(empty)).code).toBe("not_wasm");
    expect(await versionsOf(control, fn.id)).toEqual([]);
    const other = await control.api(uploadPath(fn.id), { method: "POST", headers: { "content-type": "text/plain" } });
    expect(other.status).toBe(415);
    expect((await errorOf(other)).message).toContain("application/wasm");
  });

  test("413 past the limit, by Content-Length or while streaming; at the limit is fine", async () => {
    const small = await startTestControl({ maxUploadBytes: 2048 });
    try {
      const fn = await small.createFunction({ name: "raw-small" });
      const byLength = await rawUpload(small, uploadPath(fn.id), new Uint8Array(4096));
      expect(byLength.status).toBe(413);
      expect((await errorOf(byLength)).code).toBe("payload_too_large");
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(1500));
          controller.enqueue(new Uint8Array(1500));
          controller.close();
        },
      });
      const streamed = await small.api(uploadPath(fn.id), {
        method: "POST",
        headers: { "content-type": "application/wasm" },
        body,
      });
      expect(streamed.status).toBe(413);
      const exact = new Uint8Array(2048);
      exact.set(validModule());
      expect((await rawUpload(small, uploadPath(fn.id), validModule())).status).toBe(201);
      expect((await rawUpload(small, uploadPath(fn.id), exact)).status).not.toBe(413);
      expect(tmpFiles(small.dataDir)).toEqual([]);
    } finally {
      await small.stop();
    }
  });

  test("an interrupted raw upload leaves nothing behind", async () => {
    const fn = await control.createFunction({ name: "raw-interrupted" });
    const before = artifactFiles(control.dataDir).length;
    const { port } = new URL(control.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST ${uploadPath(fn.id)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            "Content-Type: application/wasm\r\nContent-Length: 1000000\r\n\r\n",
        );
        socket.write(Buffer.from(validModule("partial")));
        setTimeout(() => (socket.destroy(), resolve()), 100);
      });
      socket.on("error", reject);
    });
    expect(
      await eventually(async () =>
        (await control.fetch("/metrics").then((r) => r.text())).includes('control_uploads_total{outcome="aborted"} 1'),
      ),
    ).toBe(true);
    expect(tmpFiles(control.dataDir)).toEqual([]);
    expect(artifactFiles(control.dataDir).length).toBe(before);
    expect(await versionsOf(control, fn.id)).toEqual([]);
  });
});

describe("?if_changed=true", () => {
  test("the active version's bytes: 200 with that version, no new version, no revision; other bytes: 201", async () => {
    const fn = await control.createFunction({ name: "if-changed" });
    const bytes = validModule("same");
    const first = await rawUpload(control, uploadPath(fn.id, "?if_changed=true"), bytes);
    expect(first.status).toBe(201);
    const version = await first.json();
    const revision = await revisionOf(control);
    const again = await rawUpload(control, uploadPath(fn.id, "?if_changed=true"), bytes);
    expect(again.status).toBe(200);
    expect(again.headers.get("location")).toBeNull();
    expect(await again.json()).toEqual(version);
    const form = await control.upload(fn.id, bytes, { query: "?if_changed=true" });
    expect(form.status).toBe(200);
    expect(await revisionOf(control)).toBe(revision);
    expect(await versionsOf(control, fn.id)).toHaveLength(1);
    expect(tmpFiles(control.dataDir)).toEqual([]);
    expect(await (await control.fetch("/metrics")).text()).toContain('control_uploads_total{outcome="unchanged"} 2');
    // Without it, the same bytes make a new version, as before.
    expect(await (await rawUpload(control, uploadPath(fn.id), bytes)).json()).toMatchObject({ version: 2 });
    const changed = await rawUpload(control, uploadPath(fn.id, "?if_changed=true"), validModule("new"));
    expect(changed.status).toBe(201);
    expect(await changed.json()).toMatchObject({ version: 3, active: true });
    // Equal to an inactive version only: a new version.
    const old = await rawUpload(control, uploadPath(fn.id, "?if_changed=true"), validModule("same"));
    expect(await old.json()).toMatchObject({ version: 4 });
    expect((await errorOf(await rawUpload(control, uploadPath(fn.id, "?if_changed=yes"), bytes))).field).toBe(
      "if_changed",
    );
  });
});
