// Uploads against a real server with real files and SQLite: versions, hashes, the pipeline's
// refusals, form errors, auth, concurrency and interrupted uploads.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { wat } from "../fixtures/wat";
import { bigModule } from "../fixtures/pipeline/big-module";
import { OFFLOAD_MIN_BYTES } from "../../core/module/offload/offload-thread";
import { errorOf, READ_TOKEN, TOKEN } from "../helpers/control-api";
import { validModule, wasiModule } from "../fixtures/guests";
import { eventually } from "../helpers/until";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { sha256 } from "../helpers/sha256";
import { artifactFiles, tmpFiles, versionsOf } from "./upload-state";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

describe("POST /api/v1/functions/{id}/upload", () => {
  test("publishes versions 1, 2, 3 with SHA-256 and size; activates unless activate=false", async () => {
    const fn = await control.createFunction({ name: "up" });
    const [a, b, c] = [validModule("a"), validModule("b"), validModule("c")];
    const first = await control.upload(fn.id, a);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      function_id: fn.id,
      version: 1,
      sha256: sha256(a),
      size: a.length,
      active: true,
      created_at: expect.any(String),
    });
    expect(await (await control.upload(fn.id, b)).json()).toMatchObject({ version: 2, active: true });
    expect(await (await control.upload(fn.id, c, { query: "?activate=false" })).json()).toMatchObject({
      version: 3,
      active: false,
    });
    expect(
      ((await (await control.api(`/api/v1/functions/${fn.id}`)).json()) as { active_version: number }).active_version,
    ).toBe(2);
    expect((await versionsOf(control, fn.id)).map((v) => [v.version, v.active, v.sha256])).toEqual([
      [1, false, sha256(a)],
      [2, true, sha256(b)],
      [3, false, sha256(c)],
    ]);
    expect((await errorOf(await control.upload(fn.id, a, { query: "?activate=maybe" }))).field).toBe("activate");
  });

  test("a matching sha256 field is accepted; a mismatch is 422 and stores nothing", async () => {
    const fn = await control.createFunction({ name: "hashed" });
    const bytes = validModule("hashed");
    expect((await control.upload(fn.id, bytes, { sha256: sha256(bytes).toUpperCase() })).status).toBe(201);
    const before = artifactFiles(control.dataDir).length;
    const other = validModule("other");
    const response = await control.upload(fn.id, other, { sha256: "0".repeat(64) });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "sha256_mismatch", field: "sha256" });
    expect(error.message).toContain(sha256(other));
    expect((await errorOf(await control.upload(fn.id, other, { sha256: "xyz" }))).field).toBe("sha256");
    expect(artifactFiles(control.dataDir).length).toBe(before);
    expect(await versionsOf(control, fn.id)).toHaveLength(1);
  });

  test.each([
    ["an unknown import", wasiModule, "forbidden_imports", "wasi_snapshot_preview1"],
    ["memory above the function's limit", () => validModule("", 17), "memory_too_large", "17 pages"],
    [
      "no entrypoint",
      () => wat(`(module (memory (export "memory") 1) (func (export "main")))`),
      "missing_entrypoint",
      '"handle"',
    ],
    [
      "bytes that are not WebAssembly",
      () => new TextEncoder().encode("<html>not wasm</html>"),
      "not_wasm",
      "not a WebAssembly module",
    ],
    ["an empty file", () => new Uint8Array(0), "not_wasm", "not a WebAssembly module"],
  ])("422 for %s, naming the reason, and nothing stored", async (_, build, code, mention) => {
    const fn = await control.createFunction({
      name: `rejects-${code.replaceAll("_", "-")}-${Math.random().toString(36).slice(2, 6)}`,
    });
    const before = artifactFiles(control.dataDir).length;
    const response = await control.upload(fn.id, build());
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code, field: "file" });
    expect(error.message).toContain(mention);
    expect(artifactFiles(control.dataDir).length).toBe(before);
    expect(tmpFiles(control.dataDir)).toEqual([]);
    expect(await versionsOf(control, fn.id)).toEqual([]);
  });

  test("large modules are checked on the offload thread: the same 201 or 422 with the pipeline's reason", async () => {
    const bytes = bigModule(OFFLOAD_MIN_BYTES + 40_000);
    const fn = await control.createFunction({ name: "large" });
    expect(await (await control.upload(fn.id, bytes)).json()).toMatchObject({
      version: 1,
      sha256: sha256(bytes),
      size: bytes.length,
    });
    const other = await control.createFunction({ name: "large-wrong-entry", entrypoint: "serve" });
    const response = await control.upload(other.id, bytes);
    expect(response.status).toBe(422);
    expect(await errorOf(response)).toMatchObject({ code: "missing_entrypoint", field: "file" });
  });

  test("form errors: no file 422, unknown field 422, not multipart 415", async () => {
    const fn = await control.createFunction({ name: "form-errors" });
    const form = new FormData();
    form.append("sha256", "a".repeat(64));
    const noFile = await control.api(`/api/v1/functions/${fn.id}/upload`, { method: "POST", body: form });
    expect(noFile.status).toBe(422);
    expect((await errorOf(noFile)).field).toBe("file");
    const typo = new FormData();
    typo.append("fiel", new Blob([validModule()]));
    expect(
      (await errorOf(await control.api(`/api/v1/functions/${fn.id}/upload`, { method: "POST", body: typo }))).field,
    ).toBe("fiel");
    const json = await control.api(`/api/v1/functions/${fn.id}/upload`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    expect((await errorOf(json)).code).toBe("unsupported_media_type");
  });

  test("404 for an unknown function; 401 without token; 403 with the read-only token", async () => {
    const fn = await control.createFunction({ name: "up-auth" });
    expect((await control.upload("00000000-0000-0000-0000-000000000000", validModule())).status).toBe(404);
    expect((await control.upload(fn.id, validModule(), { token: "not-the-token-0123456789" })).status).toBe(401);
    expect((await control.upload(fn.id, validModule(), { token: READ_TOKEN })).status).toBe(403);
    expect(await versionsOf(control, fn.id)).toEqual([]);
  });

  test("concurrent uploads to one function get distinct versions", async () => {
    const fn = await control.createFunction({ name: "concurrent" });
    const modules = Array.from({ length: 12 }, (_, i) => validModule(`m${i}`));
    const responses = await Promise.all(modules.map((bytes) => control.upload(fn.id, bytes)));
    expect(responses.map((r) => r.status)).toEqual(modules.map(() => 201));
    const versions = (
      await Promise.all(responses.map((r) => r.json() as Promise<{ version: number; sha256: string }>))
    ).sort((x, y) => x.version - y.version);
    expect(versions.map((v) => v.version)).toEqual(modules.map((_, i) => i + 1));
    expect(new Set(versions.map((v) => v.sha256))).toEqual(new Set(modules.map(sha256)));
    expect(await versionsOf(control, fn.id)).toHaveLength(12);
  });

  test("an interrupted upload leaves nothing behind", async () => {
    const fn = await control.createFunction({ name: "interrupted" });
    const before = artifactFiles(control.dataDir).length;
    const { port } = new URL(control.url);
    const boundary = "cut-short";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.wasm"\r\nContent-Type: application/wasm\r\n\r\n`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.write(
          `POST /api/v1/functions/${fn.id}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 1000000\r\n\r\n${head}`,
        );
        socket.write(Buffer.from(validModule("partial")));
        // Give the server time to start streaming the file to disk, then vanish mid-body.
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
