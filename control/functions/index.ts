// /api/v1/functions: register, list, read, change and delete functions by id (by name: by-name.ts).
import { Elysia } from "elysia";
import { FunctionRecord } from "../../core/contract";
import { ErrorBody } from "../errors";
import { JSON_PARSE } from "../json-body";
import { noStore, preconditionOf, recordHeaders } from "../record-headers";
import { empty, errors, json, STORAGE } from "../swagger/responses";
import { byNameController } from "./by-name";
import {
  CreateFunctionBody,
  FunctionList,
  FunctionParams,
  ListQuery,
  PutFunctionBody,
  UpdateFunctionBody,
} from "./model";
import type { FunctionService } from "./service";

const tags = ["functions"];
const security = [{ bearerAuth: [] }];
/** The OpenAPI document's named schemas of this feature (swagger/finish-document.ts refers to them). */
const MODELS = { FunctionRecord, FunctionList, CreateFunctionBody, PutFunctionBody, UpdateFunctionBody, ErrorBody };

export function functionsController(service: FunctionService) {
  return new Elysia({ name: "functions", prefix: "/api/v1/functions" })
    .model(MODELS)
    .post("", async ({ body, set, status }) => status(201, recordHeaders(set, await service.create(body), true)), {
      parse: JSON_PARSE,
      body: CreateFunctionBody,
      response: { 201: FunctionRecord },
      detail: {
        tags,
        security,
        operationId: "createFunction",
        summary: "Register a function",
        description:
          "Registers a function by name. Upload its module next (`POST /api/v1/functions/{id}/upload`). A taken name or a route overlapping another function's answers 409. `PUT /api/v1/functions/by-name/{name}` creates or updates instead.",
        responses: {
          201: json("Registered", "FunctionRecord", ["Location", "ETag", "Cache-Control"]),
          ...errors(400, 401, 403, 409, 413, 415, 422, ...STORAGE),
        },
      },
    })
    .get(
      "",
      async ({ query, set }) => {
        noStore(set);
        return service.list(Number(query.limit ?? 50), query.cursor, query.name);
      },
      {
        query: ListQuery,
        response: { 200: FunctionList },
        detail: {
          tags,
          security,
          operationId: "listFunctions",
          summary: "List functions",
          description: "In registration order, a page at a time; `name` picks one function by name.",
          responses: { 200: json("A page of functions", "FunctionList", ["Cache-Control"]), ...errors(401, 422) },
        },
      },
    )
    .use(byNameController(service))
    .get("/:id", async ({ params, set }) => recordHeaders(set, await service.get(params.id)), {
      params: FunctionParams,
      response: { 200: FunctionRecord },
      detail: {
        tags,
        security,
        operationId: "getFunction",
        summary: "Get a function",
        responses: { 200: json("The function", "FunctionRecord", ["ETag", "Cache-Control"]), ...errors(401, 404, 422) },
      },
    })
    .patch(
      "/:id",
      async ({ params, body, request, set }) =>
        recordHeaders(set, await service.update(params.id, body, preconditionOf(request))),
      {
        params: FunctionParams,
        parse: JSON_PARSE,
        body: UpdateFunctionBody,
        response: { 200: FunctionRecord },
        detail: {
          tags,
          security,
          operationId: "updateFunction",
          summary: "Change a function",
          description:
            "Changes the given fields. A new `memory_pages` or `entrypoint` must still accept the active version (422 otherwise), also one that became active while it was checked (checked again; 409 `concurrent_change` after three rounds). " +
            "With `If-Match: <ETag>`, only if the function is still as read (412 `precondition_failed` otherwise).",
          responses: {
            200: json("The function as changed", "FunctionRecord", ["ETag", "Cache-Control"]),
            ...errors(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, ...STORAGE),
          },
        },
      },
    )
    .delete(
      "/:id",
      async ({ params, request, status }) => {
        await service.remove(params.id, preconditionOf(request));
        return status(204, undefined);
      },
      {
        params: FunctionParams,
        detail: {
          tags,
          security,
          operationId: "deleteFunction",
          summary: "Delete a function and its versions",
          description: "With `If-Match: <ETag>`, only if the function is still as read (412 otherwise).",
          responses: { 204: empty("Deleted"), ...errors(401, 403, 404, 412, 422, ...STORAGE) },
        },
      },
    );
}
