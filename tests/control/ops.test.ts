// /healthz, /metrics, the OpenAPI document, the Swagger UI page and the error shape for unknown routes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { errorOf } from "../helpers/control-api";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { validModule } from "../fixtures/guests";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control.stop());

test("/healthz needs no token and reports the metadata revision", async () => {
  const before = (await (await control.fetch("/healthz")).json()) as { status: string; revision: number };
  expect(before.status).toBe("ok");
  await control.createFunction({ name: "health" });
  expect(((await (await control.fetch("/healthz")).json()) as { revision: number }).revision).toBe(before.revision + 1);
});

test("/metrics counts requests by route and status, uploads, and bytes stored", async () => {
  const fn = await control.createFunction({ name: "metered" });
  const bytes = validModule("metered");
  await control.upload(fn.id, bytes);
  await control.fetch("/api/v1/functions");
  const text = await (await control.fetch("/metrics")).text();
  expect(text).toContain(
    'control_http_requests_total{method="POST",route="/api/v1/functions/:id/upload",status="201"} 1',
  );
  expect(text).toContain('control_http_requests_total{method="GET",route="/api/v1/functions",status="401"} 1');
  expect(text).toContain('control_uploads_total{outcome="published"} 1');
  expect(text).toContain(`control_upload_bytes_total ${bytes.length}`);
  expect(text).toContain(`control_artifact_bytes_stored ${bytes.length}`);
  expect(text).toContain("control_artifacts_stored 1");
  expect(text).toMatch(/control_functions \d+/);
  expect(text).toContain("control_http_request_duration_seconds_bucket");
});

test("unknown routes answer 404 in the error shape (wrong methods: allowed-methods.test.ts)", async () => {
  for (const [method, path] of [
    ["GET", "/nope"],
    ["PUT", "/healthz/x"],
  ] as const) {
    const response = await control.fetch(path, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect((await errorOf(response)).code).toBe("not_found");
  }
});

test("the OpenAPI document covers every route, with bearer auth, schemas and examples", async () => {
  const spec = (await (await control.fetch("/swagger/json")).json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          security?: unknown[];
          requestBody?: { content: Record<string, { schema: { properties: Record<string, { format?: string }> } }> };
        }
      >
    >;
    components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  };
  expect(spec.openapi).toStartWith("3.");
  expect(Object.keys(spec.paths).sort()).toEqual([
    "/api/v1/artifacts/{id}/{version}",
    "/api/v1/functions",
    "/api/v1/functions/by-name/{name}",
    "/api/v1/functions/by-name/{name}/activate",
    "/api/v1/functions/by-name/{name}/secrets",
    "/api/v1/functions/by-name/{name}/secrets/{key}",
    "/api/v1/functions/by-name/{name}/upload",
    "/api/v1/functions/by-name/{name}/versions",
    "/api/v1/functions/by-name/{name}/versions/{version}",
    "/api/v1/functions/{id}",
    "/api/v1/functions/{id}/activate",
    "/api/v1/functions/{id}/secrets",
    "/api/v1/functions/{id}/secrets/{key}",
    "/api/v1/functions/{id}/upload",
    "/api/v1/functions/{id}/versions",
    "/api/v1/functions/{id}/versions/{version}",
    "/api/v1/nodes",
    "/api/v1/nodes/{id}",
    "/healthz",
    "/metrics",
    "/readyz",
  ]);
  expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  for (const [path, operations] of Object.entries(spec.paths)) {
    if (!path.startsWith("/api/")) continue;
    for (const operation of Object.values(operations)) expect(operation.security).toEqual([{ bearerAuth: [] }]);
  }
  // Bodies are named schemas (openapi-document.test.ts): read them where the $ref points.
  const schemas = (spec.components as unknown as { schemas: Record<string, Record<string, unknown>> }).schemas;
  expect(spec.paths["/api/v1/functions"]!.post!.requestBody!.content["application/json"]!.schema).toEqual({
    $ref: "#/components/schemas/CreateFunctionBody",
  } as never);
  const create = schemas.CreateFunctionBody as {
    example: unknown;
    properties: Record<string, { description?: string }>;
  };
  expect(create.example).toMatchObject({ name: "hello" });
  expect(create.properties.memory_pages!.description).toContain("64 KiB pages");
  const upload = schemas.UploadForm as { properties: Record<string, { format?: string }> };
  expect(upload.properties.file!.format).toBe("binary");
});

test("/swagger serves Swagger UI from this server only, with a CSP that forbids anything else", async () => {
  const page = await control.fetch("/swagger");
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain("/swagger/assets/swagger-ui-bundle.js");
  expect(html).not.toMatch(/https?:\/\//);
  expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  for (const asset of ["swagger-ui-bundle.js", "swagger-ui.css", "init.js", "favicon-32x32.png"]) {
    const response = await control.fetch(`/swagger/assets/${asset}`);
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  }
  expect((await control.fetch("/swagger/assets/package.json")).status).toBe(404);
  expect((await control.fetch("/swagger/assets/..%2F..%2Fpackage.json")).status).toBe(404);
});
