// GET /api/v1/artifacts/{id}/{version} with artifacts in S3 (s3rver), through a real control
// plane app: ?presigned=1 answers 307 to a presigned URL that gives the bytes without any
// credentials, with the digests to check them; without it, the bytes as with files. S3 down:
// downloads through the control plane and uploads answer 503 storage_unavailable.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { S3ArtifactStore } from "../../control/store/s3-artifact-store";
import { serveAppWithStore, type AppWithStore } from "../helpers/app-with-store";
import { errorOf, READ_TOKEN } from "../helpers/control-api";
import { startS3Server, type S3Server } from "../helpers/s3-server";
import { tempDir } from "../helpers/temp-dir";
import { validModule } from "../fixtures/guests";

let s3: S3Server;
let app: AppWithStore;
const bytes = validModule("from-s3");
const hash = createHash("sha256").update(bytes);
const hex = hash.copy().digest("hex");
const base64 = hash.digest("base64");

async function deployTo(control: AppWithStore, module: Uint8Array): Promise<Response> {
  const created = await control.api("/api/v1/functions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `s3-${crypto.randomUUID().slice(0, 8)}` }),
  });
  const { id } = (await created.json()) as { id: string };
  const upload = await control.api(`/api/v1/functions/${id}/upload`, {
    method: "POST",
    headers: { "content-type": "application/wasm" },
    body: module,
  });
  return upload.status === 201 ? Response.json({ id }) : upload;
}

async function openOn(server: S3Server) {
  const options = {
    endpoint: server.endpoint,
    region: server.region,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  };
  return S3ArtifactStore.open({ bucket: server.bucket, prefix: "edge" }, options, tempDir("edge-s3-staging-"));
}

let id: string;
beforeAll(async () => {
  s3 = await startS3Server();
  app = await serveAppWithStore(await openOn(s3));
  id = ((await (await deployTo(app, bytes)).json()) as { id: string }).id;
});
afterAll(async () => {
  await app.stop();
  await s3.stop();
});

test("?presigned=1: 307 to a presigned URL with the digests; the URL gives the bytes without credentials", async () => {
  for (const query of ["presigned=1", "presigned=true"]) {
    const response = await app.api(`/api/v1/artifacts/${id}/1?${query}`, { token: READ_TOKEN, redirect: "manual" });
    expect(response.status).toBe(307);
    expect(response.headers.get("etag")).toBe(`"${hex}"`);
    expect(response.headers.get("digest")).toBe(`sha-256=${base64}`);
    expect(response.headers.get("content-digest")).toBe(`sha-256=:${base64}:`);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const location = response.headers.get("location")!;
    expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/edge/sha256/${hex}?`)).toBe(true);
    expect(location).toContain("X-Amz-Expires=300");
    const object = await fetch(location);
    expect(object.status).toBe(200);
    expect(
      createHash("sha256")
        .update(new Uint8Array(await object.arrayBuffer()))
        .digest("hex"),
    ).toBe(hex);
  }
});

test("without ?presigned=1 (or with 0): 200 and the bytes through the control plane; If-None-Match still 304", async () => {
  for (const query of ["", "?presigned=0"]) {
    const response = await app.api(`/api/v1/artifacts/${id}/1${query}`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/wasm");
    expect(response.headers.get("etag")).toBe(`"${hex}"`);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
  }
  const cached = await app.api(`/api/v1/artifacts/${id}/1?presigned=1`, {
    headers: { "if-none-match": `"${hex}"` },
    redirect: "manual",
  });
  expect(cached.status).toBe(304);
});

test("?presigned= anything else is 422 naming the field; no token is 401 before any URL is made", async () => {
  const bad = await app.api(`/api/v1/artifacts/${id}/1?presigned=yes`, { redirect: "manual" });
  expect(bad.status).toBe(422);
  expect((await errorOf(bad)).field).toBe("presigned");
  const anonymous = await app.api(`/api/v1/artifacts/${id}/1?presigned=1`, { token: null, redirect: "manual" });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("location")).toBeNull();
});

test("S3 down: uploads and downloads through the control plane are 503 storage_unavailable", async () => {
  const other = await startS3Server("going-away");
  const control = await serveAppWithStore(await openOn(other));
  try {
    const { id: stored } = (await (await deployTo(control, bytes)).json()) as { id: string };
    await other.stop();
    const download = await control.api(`/api/v1/artifacts/${stored}/1`, { redirect: "manual" });
    expect(download.status).toBe(503);
    expect((await errorOf(download)).code).toBe("storage_unavailable");
    const upload = await deployTo(control, validModule("during the outage"));
    expect(upload.status).toBe(503);
    expect((await errorOf(upload)).code).toBe("storage_unavailable");
  } finally {
    await control.stop();
  }
});
