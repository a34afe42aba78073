// The OpenAPI `responses` of each route, written out: the statuses it really answers, one content
// type each, the headers it sends, and named schemas by $ref (the components are the app's models,
// registered by each feature with .model()). Elysia's generator would list every status of a
// shared map and three content types per response.

const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const HEADERS = {
  ETag: {
    description:
      "Strong validator of this function record; send it as `If-Match` to change or delete only what was read",
  },
  Location: { description: "Where the created resource is read" },
  "Cache-Control": { description: "`no-store`: function settings (env) are never kept by a cache" },
} as const;
type HeaderName = keyof typeof HEADERS;

/** A JSON success response of a named schema, with the headers it carries. */
export function json(description: string, schema: string, headers: HeaderName[] = []) {
  return {
    description,
    ...(headers.length > 0
      ? { headers: Object.fromEntries(headers.map((h) => [h, { ...HEADERS[h], schema: { type: "string" as const } }])) }
      : {}),
    content: { "application/json": { schema: REF(schema) } },
  };
}

const ERRORS: Record<number, string> = {
  400: "The body could not be read: `malformed_body`, `malformed_multipart`, `upload_interrupted`",
  401: "No token or a wrong one (`unauthorized`)",
  403: "The read-only token on a write (`forbidden`)",
  404: "No such function (`not_found`), version (`version_not_found`) or node",
  409: "A conflict: `name_taken`, `route_conflict`, or `concurrent_change` (try again)",
  412: "`If-Match` names none of the function's current ETag (`precondition_failed`); nothing changed",
  413: "The body is over its limit (`payload_too_large`)",
  415: "A Content-Type this route does not take (`unsupported_media_type`)",
  422: "A field, parameter or module was refused; `field` names it",
  500: "A stored module is missing from the artifact store (`artifact_missing`), or `internal`",
  503: "The data dir cannot be written or the artifact store (S3) fails (`storage_unavailable`), or the data dir was removed (`storage_lost`); nothing was stored",
  507: "The data dir is full (`insufficient_storage`); nothing was stored",
};

/** Error responses, in the error shape, for these statuses. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERRORS[status] ?? "Error", content: { "application/json": { schema: REF("ErrorBody") } } },
    ]),
  );
}

/** What any write may also answer: a failing data dir. */
export const STORAGE = [503, 507] as const;

/** A response without a body. */
export function empty(description: string) {
  return { description };
}
