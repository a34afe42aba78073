// /api/v1/functions/by-name/{name}: read, change, delete, and create-or-update (PUT) a function
// by its name, so a client (the CLI, a manifest) never needs the id.
import { Elysia } from "elysia";
import { FunctionRecord } from "../../core/contract";
import { JSON_PARSE } from "../json-body";
import { empty, errors, json, STORAGE } from "../swagger/responses";
import { NameParams, PutFunctionBody, UpdateFunctionBody } from "./model";
import { preconditionOf, recordHeaders } from "../record-headers";
import type { FunctionService } from "./service";

const tags = ["functions"];
const security = [{ bearerAuth: [] }];

export function byNameController(service: FunctionService) {
  return new Elysia({ name: "functions-by-name", prefix: "/by-name" })
    .get("/:name", async ({ params, set }) => recordHeaders(set, await service.getByName(params.name)), {
      params: NameParams,
      response: { 200: FunctionRecord },
      detail: {
        tags,
        security,
        operationId: "getFunctionByName",
        summary: "Get a function by name",
        responses: { 200: json("The function", "FunctionRecord", ["ETag", "Cache-Control"]), ...errors(401, 404, 422) },
      },
    })
    .put(
      "/:name",
      async ({ params, body, request, set, status }) => {
        const { record, created } = await service.put(params.name, body, preconditionOf(request));
        return status(created ? 201 : 200, recordHeaders(set, record, created));
      },
      {
        params: NameParams,
        parse: JSON_PARSE,
        body: PutFunctionBody,
        response: { 200: FunctionRecord, 201: FunctionRecord },
        detail: {
          tags,
          security,
          operationId: "putFunctionByName",
          summary: "Create or update a function by name (idempotent)",
          description:
            "The body states the whole spec (the create body without `name`; absent fields take their defaults). " +
            "201 with `Location` when it created the function; 200 when it changed it to exactly this spec, or when it already was (then nothing is written: no new revision). " +
            "A new `memory_pages`, `entrypoint` or `runtime` must still accept the active version (422). With `If-Match`, only if the function exists and is still as read (412 otherwise).",
          responses: {
            200: json("Updated, or already as stated (nothing written)", "FunctionRecord", ["ETag", "Cache-Control"]),
            201: json("Created", "FunctionRecord", ["Location", "ETag", "Cache-Control"]),
            ...errors(400, 401, 403, 409, 412, 413, 415, 422, 500, ...STORAGE),
          },
        },
      },
    )
    .patch(
      "/:name",
      async ({ params, body, request, set }) => {
        const fn = await service.getByName(params.name);
        return recordHeaders(set, await service.update(fn.id, body, preconditionOf(request)));
      },
      {
        params: NameParams,
        parse: JSON_PARSE,
        body: UpdateFunctionBody,
        response: { 200: FunctionRecord },
        detail: {
          tags,
          security,
          operationId: "updateFunctionByName",
          summary: "Change a function by name",
          description: "As `PATCH /api/v1/functions/{id}`.",
          responses: {
            200: json("The function as changed", "FunctionRecord", ["ETag", "Cache-Control"]),
            ...errors(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, ...STORAGE),
          },
        },
      },
    )
    .delete(
      "/:name",
      async ({ params, request, status }) => {
        const fn = await service.getByName(params.name);
        await service.remove(fn.id, preconditionOf(request));
        return status(204, undefined);
      },
      {
        params: NameParams,
        detail: {
          tags,
          security,
          operationId: "deleteFunctionByName",
          summary: "Delete a function by name, and its versions",
          description: "With `If-Match: <ETag>`, only if the function is still as read (412 otherwise).",
          responses: { 204: empty("Deleted"), ...errors(401, 403, 404, 412, 422, ...STORAGE) },
        },
      },
    );
}
