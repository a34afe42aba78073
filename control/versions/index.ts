// /api/v1/functions/{id}/upload, /versions and /activate.
import { Elysia } from "elysia";
import { FunctionRecord, VersionRecord } from "../../core/contract";
import { ErrorBody } from "../errors";
import { JSON_PARSE } from "../json-body";
import { ActivateBody, UploadForm, UploadQuery, VersionList, VersionParams } from "./model";
import type { VersionService } from "./service";

const tags = ["versions"];
const security = [{ bearerAuth: [] }];
const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

export function versionsController(service: VersionService) {
  return new Elysia({ name: "versions", prefix: "/api/v1/functions" })
    .post(
      "/:id/upload",
      async ({ params, query, request, status }) => {
        const length = request.headers.get("content-length");
        const upload = {
          contentType: request.headers.get("content-type"),
          contentLength: length === null ? null : Number(length),
          body: request.body,
        };
        const version = await service.upload(params.id, upload, query.activate !== "false");
        return status(201, version);
      },
      {
        // The body is streamed by the service, never buffered by the framework.
        parse: "none",
        params: VersionParams,
        query: UploadQuery,
        response: { 201: VersionRecord, ...errors, 413: ErrorBody, 415: ErrorBody },
        detail: {
          tags,
          security,
          operationId: "uploadModule",
          summary: "Upload a module as the next version",
          description:
            "Streams the `.wasm` to disk while hashing it, checks it with the runner's module pipeline under the function's limits " +
            "(unknown imports, memory above `memory_pages`, a missing entrypoint... answer 422 naming the reason), then publishes it " +
            "as the next version (1, 2, 3 ...) and makes it active unless `activate=false`. Over the size limit: 413. " +
            "The check and the commit see the same limits: a change of `memory_pages` or `entrypoint` meanwhile makes it check again (409 `concurrent_change` after three rounds). " +
            "A rejected or interrupted upload leaves nothing behind.",
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: UploadForm,
                encoding: { file: { contentType: "application/wasm, application/octet-stream" } },
              },
            },
          },
        },
      },
    )
    .get("/:id/versions", async ({ params }) => ({ versions: await service.list(params.id) }), {
      params: VersionParams,
      response: { 200: VersionList, ...errors },
      detail: {
        tags,
        security,
        operationId: "listVersions",
        summary: "List a function's versions",
        description: "Oldest first; `active` marks the one being served.",
      },
    })
    .post("/:id/activate", ({ params, body }) => service.activate(params.id, body.version), {
      params: VersionParams,
      parse: JSON_PARSE,
      body: ActivateBody,
      response: { 200: FunctionRecord, ...errors, 413: ErrorBody },
      detail: {
        tags,
        security,
        operationId: "activateVersion",
        summary: "Serve another version (roll back or forward)",
        description:
          "The version must pass the pipeline under the function's limits as they are when it becomes active (422 otherwise; 409 `concurrent_change` if they kept changing during three checks in a row).",
      },
    });
}
