// The OpenAPI document at /swagger/json: valid OpenAPI 3.1 (checked by an OpenAPI validator from
// npm), named component schemas, the statuses each route really answers, one content type per
// response, the headers responses carry, and an operationId on every operation.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { startTestControl, type TestControl } from "../helpers/test-control";

type Response = {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: unknown }>;
};
type Operation = { operationId?: string; responses: Record<string, Response>; requestBody?: Response };
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

let control: TestControl;
let doc: Document;
beforeAll(async () => {
  control = await startTestControl();
  doc = (await (await control.fetch("/swagger/json")).json()) as Document;
});
afterAll(() => control.stop());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

test("declares OpenAPI 3.1 and passes an OpenAPI 3.1 validator", async () => {
  expect(doc.openapi).toBe("3.1.0");
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
});

test("records, lists, bodies and errors are named component schemas, used by $ref", () => {
  for (const name of [
    "FunctionRecord",
    "FunctionList",
    "CreateFunctionBody",
    "PutFunctionBody",
    "UpdateFunctionBody",
    "VersionRecord",
    "VersionList",
    "ActivateBody",
    "UploadForm",
    "NodeList",
    "SecretInfo",
    "SecretList",
    "ErrorBody",
  ])
    expect(doc.components.schemas[name]).toBeDefined();
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const fn = doc.paths["/api/v1/functions/{id}"]!;
  expect(fn.get!.responses["200"]!.content!["application/json"]!.schema).toEqual(ref("FunctionRecord"));
  expect(fn.get!.responses["404"]!.content!["application/json"]!.schema).toEqual(ref("ErrorBody"));
  expect(doc.paths["/api/v1/functions"]!.post!.requestBody!.content!["application/json"]!.schema).toEqual(
    ref("CreateFunctionBody"),
  );
  expect(JSON.stringify(doc.components.schemas.FunctionList)).toContain('"$ref":"#/components/schemas/FunctionRecord"');
  // No inline copy of a named schema is left anywhere.
  const text = JSON.stringify(doc.paths);
  expect(text).not.toContain("Exported function the runner calls");
});

test("every operation has a unique operationId and lists the statuses it really answers, one content type each", () => {
  const ids = operations().map(({ op }) => op.operationId);
  expect(ids.every((id) => typeof id === "string")).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  const W = ["503", "507"];
  const expected: Record<string, string[]> = {
    "post /api/v1/functions": ["201", "400", "401", "403", "409", "413", "415", "422", ...W],
    "get /api/v1/functions": ["200", "401", "422"],
    "get /api/v1/functions/{id}": ["200", "401", "404", "422"],
    "patch /api/v1/functions/{id}": ["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500", ...W],
    "delete /api/v1/functions/{id}": ["204", "401", "403", "404", "412", "422", ...W],
    "get /api/v1/functions/by-name/{name}": ["200", "401", "404", "422"],
    "put /api/v1/functions/by-name/{name}": [
      "200",
      "201",
      "400",
      "401",
      "403",
      "409",
      "412",
      "413",
      "415",
      "422",
      "500",
      ...W,
    ],
    "post /api/v1/functions/{id}/upload": ["200", "201", "400", "401", "403", "404", "409", "413", "415", "422", ...W],
    "get /api/v1/functions/{id}/versions": ["200", "401", "404", "422"],
    "post /api/v1/functions/{id}/activate": [
      "200",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "415",
      "422",
      "500",
      ...W,
    ],
    "get /api/v1/artifacts/{id}/{version}": ["200", "304", "307", "401", "404", "422", "500", "503"],
    "get /api/v1/nodes": ["200", "401", "422"],
    "delete /api/v1/nodes/{id}": ["204", "401", "403", "404", "422", ...W],
    "get /api/v1/functions/{id}/secrets": ["200", "401", "404", "409", "422"],
    "put /api/v1/functions/{id}/secrets/{key}": ["200", "201", "400", "401", "403", "404", "409", "413", "422", ...W],
    "delete /api/v1/functions/by-name/{name}/secrets/{key}": ["204", "401", "403", "404", "409", "422", ...W],
    "get /healthz": ["200", "503"],
    "get /readyz": ["200", "503"],
    "get /metrics": ["200"],
  };
  for (const [key, statuses] of Object.entries(expected)) {
    const [method, path] = key.split(" ") as [string, string];
    expect([key, Object.keys(doc.paths[path]![method]!.responses).sort()]).toEqual([key, [...statuses].sort()]);
  }
  for (const { path, method, op } of operations())
    for (const [status, response] of Object.entries(op.responses)) {
      expect([path, method, status, typeof response.description]).toEqual([path, method, status, "string"]);
      expect([path, method, status, Object.keys(response.content ?? { none: 1 }).length]).toEqual([
        path,
        method,
        status,
        1,
      ]);
    }
});

test("headers: ETag and no-store on records, Location on 201s, the artifact's digests; uploads take raw or form bodies", () => {
  const headersOf = (path: string, method: string, status: string) =>
    Object.keys(doc.paths[path]![method]!.responses[status]!.headers ?? {}).sort();
  expect(headersOf("/api/v1/functions/{id}", "get", "200")).toEqual(["Cache-Control", "ETag"]);
  expect(headersOf("/api/v1/functions", "post", "201")).toEqual(["Cache-Control", "ETag", "Location"]);
  expect(headersOf("/api/v1/functions/by-name/{name}", "put", "201")).toEqual(["Cache-Control", "ETag", "Location"]);
  expect(headersOf("/api/v1/functions/{id}/upload", "post", "201")).toEqual(["Location"]);
  expect(headersOf("/api/v1/artifacts/{id}/{version}", "get", "200")).toEqual([
    "Cache-Control",
    "Content-Digest",
    "Content-Length",
    "Digest",
    "ETag",
  ]);
  expect(headersOf("/api/v1/artifacts/{id}/{version}", "get", "307")).toEqual([
    "Cache-Control",
    "Content-Digest",
    "Digest",
    "ETag",
    "Location",
  ]);
  const artifact = doc.paths["/api/v1/artifacts/{id}/{version}"]!.get!.responses["200"]!;
  expect(Object.keys(artifact.content!)).toEqual(["application/wasm"]);
  const upload = doc.paths["/api/v1/functions/by-name/{name}/upload"]!.post!;
  expect(Object.keys(upload.requestBody!.content!).sort()).toEqual(["application/wasm", "multipart/form-data"]);
});
