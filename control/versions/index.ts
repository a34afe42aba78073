// /api/v1/functions/{id}/upload, /versions, /versions/{version} and /activate, and the same under
// /api/v1/functions/by-name/{name}/..., so a client that knows only the name never needs the id.
import { Elysia } from "elysia";
import { FunctionRecord, VersionRecord } from "../../core/contract";
import { recordHeaders } from "../record-headers";
import { JSON_PARSE } from "../json-body";
import { errors, json, STORAGE } from "../swagger/responses";
import {
  ActivateBody,
  OneVersionNameParams,
  OneVersionParams,
  UploadForm,
  UploadQuery,
  VersionList,
  VersionNameParams,
  VersionParams,
  VersionsQuery,
} from "./model";
import type { VersionService } from "./service";

const tags = ["versions"];
const security = [{ bearerAuth: [] }];
/** The OpenAPI document's named schemas of this feature (swagger/finish-document.ts refers to them). */
const MODELS = { VersionRecord, VersionList, ActivateBody, UploadForm };

const UPLOAD_DESCRIPTION =
  "Streams the `.wasm` to disk while hashing it, checks it with the runner's module pipeline under the function's limits " +
  "(unknown imports, memory above `memory_pages`, a missing entrypoint... answer 422 naming the reason), then publishes it " +
  "as the next version (1, 2, 3 ...) and makes it active unless `activate=false`. Over the size limit: 413. " +
  "The module is the body (`Content-Type: application/wasm`, with an optional `x-content-sha256` header) or the `file` field of a multipart form. " +
  "A SHA-256 given (header or `sha256` field) that differs from the bytes' answers 422 `sha256_mismatch`. " +
  "With `if_changed=true`, bytes equal to the active version's answer 200 with that version and make nothing. " +
  "The check and the commit see the same limits: a change of `memory_pages` or `entrypoint` meanwhile makes it check again (409 `concurrent_change` after three rounds). " +
  "A rejected or interrupted upload leaves nothing behind.";

/** The routes of one addressing form: by id (`/{id}`) or by name (`/by-name/{name}`). */
function versionRoutes(service: VersionService, form: "id" | "name") {
  const byName = form === "name";
  const params = byName ? VersionNameParams : VersionParams;
  const oneParams = byName ? OneVersionNameParams : OneVersionParams;
  const key = byName ? "/by-name/:name" : "/:id";
  const op = (name: string) => (byName ? `${name}ByName` : name);
  const idOf = (p: { id?: string; name?: string }) => (byName ? service.idOf(p.name!) : Promise.resolve(p.id!));
  const where = byName ? " (by function name)" : "";
  return new Elysia({ name: `versions-${form}`, prefix: "/api/v1/functions" })
    .post(
      `${key}/upload`,
      async ({ params, query, request, set, status }) => {
        const length = request.headers.get("content-length");
        const upload = {
          contentType: request.headers.get("content-type"),
          contentLength: length === null ? null : Number(length),
          sha256: request.headers.get("x-content-sha256"),
          body: request.body,
        };
        const options = { activate: query.activate !== "false", ifChanged: query.if_changed === "true" };
        const { version, created } = await service.upload(await idOf(params), upload, options);
        if (!created) return version;
        set.headers.location = `/api/v1/functions/${version.function_id}/versions/${version.version}`;
        return status(201, version);
      },
      {
        // The body is streamed by the service, never buffered by the framework.
        parse: "none",
        params,
        query: UploadQuery,
        response: { 200: VersionRecord, 201: VersionRecord },
        detail: {
          tags,
          security,
          operationId: op("uploadModule"),
          summary: `Upload a module as the next version${where}`,
          description: UPLOAD_DESCRIPTION,
          parameters: [
            {
              in: "header",
              name: "x-content-sha256",
              required: false,
              description: "With a raw body: its expected SHA-256, 64 hex digits (422 `sha256_mismatch` if it differs)",
              schema: { type: "string", pattern: "^[0-9a-fA-F]{64}$" },
            },
          ],
          responses: {
            200: json(
              "`if_changed=true` and the bytes are the active version's: that version; nothing made",
              "VersionRecord",
            ),
            201: json("The new version", "VersionRecord", ["Location"]),
            ...errors(400, 401, 403, 404, 409, 413, 415, 422, ...STORAGE),
          },
          requestBody: {
            required: true,
            content: {
              "application/wasm": { schema: { type: "string", format: "binary" } },
              "multipart/form-data": {
                schema: UploadForm,
                encoding: { file: { contentType: "application/wasm, application/octet-stream" } },
              },
            },
          },
        },
      },
    )
    .get(
      `${key}/versions`,
      async ({ params, query }) =>
        service.list(
          await idOf(params),
          Number(query.limit ?? 50),
          query.cursor === undefined ? undefined : Number(query.cursor),
        ),
      {
        params,
        query: VersionsQuery,
        response: { 200: VersionList },
        detail: {
          tags,
          security,
          operationId: op("listVersions"),
          summary: `List a function's versions${where}`,
          description: "Oldest first, a page at a time; `active` marks the one being served.",
          responses: { 200: json("A page of versions", "VersionList"), ...errors(401, 404, 422) },
        },
      },
    )
    .get(`${key}/versions/:version`, async ({ params }) => service.get(await idOf(params), Number(params.version)), {
      params: oneParams,
      response: { 200: VersionRecord },
      detail: {
        tags,
        security,
        operationId: op("getVersion"),
        summary: `Get one version${where}`,
        responses: { 200: json("The version", "VersionRecord"), ...errors(401, 404, 422) },
      },
    })
    .post(
      `${key}/activate`,
      async ({ params, body, set }) => recordHeaders(set, await service.activate(await idOf(params), body.version)),
      {
        params,
        parse: JSON_PARSE,
        body: ActivateBody,
        response: { 200: FunctionRecord },
        detail: {
          tags,
          security,
          operationId: op("activateVersion"),
          summary: `Serve another version (roll back or forward)${where}`,
          description:
            "The version must pass the pipeline under the function's limits as they are when it becomes active (422 otherwise; 409 `concurrent_change` if they kept changing during three checks in a row).",
          responses: {
            200: json("The function, serving that version", "FunctionRecord", ["ETag", "Cache-Control"]),
            ...errors(400, 401, 403, 404, 409, 413, 415, 422, 500, ...STORAGE),
          },
        },
      },
    );
}

export function versionsController(service: VersionService) {
  return new Elysia({ name: "versions" })
    .model(MODELS)
    .use(versionRoutes(service, "name"))
    .use(versionRoutes(service, "id"));
}
