// The control plane's one error type and the one place any failure becomes a response:
// `{"error": {"code", "message", "field"?}}` with the status that goes with the code.
import { Type } from "@sinclair/typebox";
import type { ValidationError } from "elysia";
import type { StoreResult } from "./store/metadata-store";
import { StoreUnavailable, storageFailure } from "./store/storage-errors";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For validation errors: the offending field, e.g. `memory_pages` or `env.KEY`. */
    readonly field?: string,
    /** Headers the error response carries (405: `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static invalid(field: string, why: string, code = "validation_failed"): ApiError {
    return new ApiError(422, code, `${field}: ${why}`, field);
  }

  static notFound(message: string): ApiError {
    return new ApiError(404, "not_found", message);
  }

  static conflict(code: string, message: string): ApiError {
    return new ApiError(409, code, message);
  }

  /** If-Match named none of the record's ETags: someone changed it since the caller read it. */
  static preconditionFailed(what: string): ApiError {
    return new ApiError(
      412,
      "precondition_failed",
      `${what} changed since it was read (If-Match names none of its current ETag); read it again and retry`,
    );
  }
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ example: "validation_failed" }),
      message: Type.String({ example: "memory_pages: expected integer to be less or equal to 16384" }),
      field: Type.Optional(Type.String({ example: "memory_pages" })),
    }),
  },
  { description: "Every error has this shape" },
);

/** Any thrown value or Elysia error code -> ApiError. Unknown errors become a 500 without detail. */
export function toApiError(code: string | number, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const storage = storageError(error);
  if (storage) return storage;
  switch (code) {
    case "VALIDATION":
      return fromValidation(error as ValidationError);
    case "NOT_FOUND":
      return new ApiError(404, "not_found", "no such route");
    case "PARSE":
      // A body parser of ours (json-body.ts) refused with its own ApiError, which Elysia wraps.
      if ((error as Error | null)?.cause instanceof ApiError) return (error as Error).cause as ApiError;
      return new ApiError(
        400,
        "malformed_body",
        "the request body could not be parsed; send JSON with Content-Type: application/json",
      );
    default:
      return new ApiError(500, "internal", "internal error; see the control plane's log");
  }
}

/**
 * A write the data dir refused, as the 5xx that says so: 507 when the disk is full, 503 when it is
 * read-only or failing, or gone from under the process, or the artifact store (S3) failed. Every
 * write is one transaction or an unpublished temp file, so nothing was stored; reads keep working
 * (from the data dir; reads from S3 fail with it). Null for any other error.
 */
export function storageError(error: unknown): ApiError | null {
  switch (storageFailure(error)) {
    case "full":
      return new ApiError(
        507,
        "insufficient_storage",
        "the control plane's disk is full; nothing was stored, reads keep working",
      );
    case "unwritable":
      return new ApiError(
        503,
        "storage_unavailable",
        "the control plane cannot write to its data dir (read-only or failing); nothing was stored, reads keep working",
      );
    case "unavailable":
      return new ApiError(
        503,
        "storage_unavailable",
        error instanceof StoreUnavailable
          ? "the control plane cannot reach its artifact store (failing or refusing); nothing was stored; try again later"
          : "the control plane cannot reach its database; the request did not complete (a write cut off while committing may still have been stored: read before you retry)",
        undefined,
        { "retry-after": String(RETRY_AFTER_S) },
      );
    case "lost":
      return new ApiError(
        503,
        "storage_lost",
        "the control plane's data dir was removed or replaced while it ran; nothing was stored; restart it on its data dir",
      );
    default:
      return null;
  }
}

/** What a 503 storage_unavailable of the database asks a client to wait, in seconds: a reconnect takes about that long. */
export const RETRY_AFTER_S = 5;

/** Check-then-commit rounds before a caller is told to try again: each lost only to a concurrent change of the same function (module-check/checked-commit.ts). */
export const MAX_CHECKS = 3;

/** A store failure -> the ApiError a caller sees. */
export function unwrap<T>(result: StoreResult<T>, id: string): T {
  if (result.ok) return result.value;
  switch (result.reason) {
    case "not_found":
      throw ApiError.notFound(`no function with id "${id}"`);
    case "version_not_found":
      throw new ApiError(404, "version_not_found", `function "${id}" has no version ${result.version}`);
    case "name_taken":
      throw ApiError.conflict("name_taken", `a function named "${result.name}" already exists`);
    case "route_taken":
      throw ApiError.conflict(
        "route_conflict",
        `route ${result.route} overlaps ${result.owner.route} of function "${result.owner.name}" (${result.owner.id})`,
      );
    case "precondition_failed":
      throw ApiError.preconditionFailed(`function "${id}"`);
    case "changed_since_check":
      throw ApiError.conflict(
        "concurrent_change",
        `function "${id}" kept changing while its module was checked (${MAX_CHECKS} times); try again`,
      );
    case "secret_name_taken":
      throw envSecretConflict(result.key, "secret", `env.${result.key}`);
  }
}

/** 409: a name that is both an env variable and a secret of one function (the guest sees both as env). */
export function envSecretConflict(key: string, existing: "env" | "secret", field?: string): ApiError {
  const what = existing === "secret" ? "a secret" : "an env variable";
  const remedy =
    existing === "secret"
      ? "delete the secret first, or choose another name"
      : "remove it from env first, or choose another name";
  return new ApiError(
    409,
    "env_secret_conflict",
    `${key} is already ${what} of this function; a secret and an env variable may not share a name (${remedy})`,
    field,
  );
}

export function errorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  const body = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  const extra: Record<string, string> =
    error.status === 401 ? { "www-authenticate": 'Bearer realm="edgebase-control"' } : {};
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": "application/json", ...extra, ...error.headers, ...headers },
  });
}

interface Issue {
  path: string;
  message: string;
  schema?: { error?: unknown };
}

/** Names the first failing field and says why, using the schema's own `error` text when it has one. */
function fromValidation(error: ValidationError): ApiError {
  const issues = error.all as Issue[];
  const issue = issues[0];
  const path = issue?.path.replace(/^\//, "").replaceAll("/", ".") || String(error.type);
  // A field name comes from the request (env keys): never echo a huge one back.
  const field = path.length > 100 ? `${path.slice(0, 100)}...` : path;
  if (!issue) return ApiError.invalid(field, "is invalid");
  const custom = typeof issue.schema?.error === "string" ? issue.schema.error : null;
  return ApiError.invalid(field, custom ?? describe(issue.message));
}

function describe(message: string): string {
  if (message === "Expected required property") return "is required";
  if (message === "Unexpected property") return "is not a known field";
  return message.charAt(0).toLowerCase() + message.slice(1);
}
