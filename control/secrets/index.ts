// /api/v1/functions/{id}/secrets and /api/v1/functions/by-name/{name}/secrets: write-only
// values. PUT sets one (201 when new, 200 when replaced), DELETE removes one, GET lists names
// and times; no route answers a value. Every answer is `Cache-Control: no-store`.
import { Elysia } from "elysia";
import { ErrorBody } from "../errors";
import { empty, errors as errorResponses, json, STORAGE } from "../swagger/responses";
import { readSecretValue } from "./body";
import {
  NamedSecretListParams,
  NamedSecretParams,
  SECRET_REQUEST_BODY,
  SecretInfo,
  SecretList,
  SecretListParams,
  SecretParams,
} from "./model";
import type { FunctionRef, SecretService } from "./service";

const tags = ["secrets"];
const security = [{ bearerAuth: [] }];
const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const DISABLED = "409 `secrets_disabled` when the control plane was started without `--secrets-key-file`.";

/** The routes of one way of naming the function: by id, or by name. */
function routes(
  service: SecretService,
  base: string,
  ref: (params: Record<string, string>) => FunctionRef,
  params: {
    list: typeof SecretListParams | typeof NamedSecretListParams;
    one: typeof SecretParams | typeof NamedSecretParams;
  },
  by: "" | "ByName",
) {
  return new Elysia({ name: `secrets${by}`, prefix: "/api/v1/functions" })
    .model({ SecretInfo, SecretList, ErrorBody })
    .get(`${base}/secrets`, async ({ params, set }) => noStore(set, await service.list(ref(params))), {
      params: params.list,
      response: { 200: SecretList, ...errors },
      detail: {
        tags,
        security,
        operationId: `listSecrets${by}`,
        summary: "List a function's secrets (names and times, never values)",
        description: DISABLED,
        responses: {
          200: json("Names and times", "SecretList", ["Cache-Control"]),
          ...errorResponses(401, 404, 409, 422),
        },
      },
    })
    .get(`${base}/secrets/:key`, async ({ params, set }) => noStore(set, await service.get(ref(params), params.key)), {
      params: params.one,
      response: { 200: SecretInfo, ...errors },
      detail: {
        tags,
        security,
        operationId: `getSecret${by}`,
        summary: "When a secret was last set (never its value)",
        description: `404 \`secret_not_found\` when the function has no secret of that name. ${DISABLED}`,
        responses: {
          200: json("When it was set", "SecretInfo", ["Cache-Control"]),
          ...errorResponses(401, 404, 409, 422),
        },
      },
    })
    .put(
      `${base}/secrets/:key`,
      async ({ params, request, set, status }) => {
        const value = await readSecretValue(request);
        const { created, info } = await service.put(ref(params), params.key, value);
        noStore(set, info);
        if (!created) return info;
        set.headers.location = `${new URL(request.url).pathname}`;
        return status(201, info);
      },
      {
        // Read by readSecretValue, capped, never by the framework's parsers.
        parse: "none",
        params: params.one,
        response: { 200: SecretInfo, 201: SecretInfo, ...errors, 400: ErrorBody, 413: ErrorBody },
        detail: {
          tags,
          security,
          operationId: `putSecret${by}`,
          summary: "Set a secret (write-only)",
          description:
            "Sets the secret `key` of the function: 201 with `Location` when it is new, 200 when it replaced one. The value is sealed at rest " +
            "(AES-256-GCM), reaches edge nodes only over the watch stream, and the guest reads it like env (after the function's `env`); " +
            "no route ever answers it. A name of the function's `env` answers 409 `env_secret_conflict`; past 256 secrets or 1 MiB of them as JSON, " +
            `422 \`secrets_too_large\`. ${DISABLED}`,
          requestBody: SECRET_REQUEST_BODY,
          responses: {
            200: json("Replaced", "SecretInfo", ["Cache-Control"]),
            201: json("Set", "SecretInfo", ["Location", "Cache-Control"]),
            ...errorResponses(400, 401, 403, 404, 409, 413, 422, ...STORAGE),
          },
        },
      },
    )
    .delete(
      `${base}/secrets/:key`,
      async ({ params, status }) => {
        await service.remove(ref(params), params.key);
        return status(204, undefined);
      },
      {
        params: params.one,
        detail: {
          tags,
          security,
          operationId: `deleteSecret${by}`,
          summary: "Delete a secret",
          description: `Edge nodes load the function again without it. ${DISABLED}`,
          responses: { 204: empty("Deleted"), ...errorResponses(401, 403, 404, 409, 422, ...STORAGE) },
        },
      },
    );
}

export function secretsController(service: SecretService) {
  return new Elysia({ name: "secrets" })
    .use(routes(service, "/:id", (p) => ({ id: p.id! }), { list: SecretListParams, one: SecretParams }, ""))
    .use(
      routes(
        service,
        "/by-name/:name",
        (p) => ({ name: p.name! }),
        { list: NamedSecretListParams, one: NamedSecretParams },
        "ByName",
      ),
    );
}

/** What carries a function's settings is never cached (the brief's `Cache-Control: no-store`). */
function noStore<T>(set: { headers: Record<string, unknown> }, body: T): T {
  set.headers["cache-control"] = "no-store";
  return body;
}
