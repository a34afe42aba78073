// The control plane's one error type and the one place any failure becomes a response:
// `{"error": {"code", "message", "field"?}}` with the status that goes with the code.
import { Type } from "@sinclair/typebox";
import type { ValidationError } from "elysia";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For validation errors: the offending field, e.g. `memory_pages` or `env.KEY`. */
    readonly field?: string,
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
  switch (code) {
    case "VALIDATION":
      return fromValidation(error as ValidationError);
    case "NOT_FOUND":
      return new ApiError(404, "not_found", "no such route");
    case "PARSE":
      return new ApiError(400, "malformed_body", "the request body could not be parsed; send JSON with Content-Type: application/json");
    default:
      return new ApiError(500, "internal", "internal error; see the control plane's log");
  }
}

export function errorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  const body = { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  const extra: Record<string, string> = error.status === 401 ? { "www-authenticate": 'Bearer realm="edgebase-control"' } : {};
  return new Response(JSON.stringify(body), { status: error.status, headers: { "content-type": "application/json", ...extra, ...headers } });
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
  const field = issue?.path.replace(/^\//, "").replaceAll("/", ".") || String(error.type);
  if (!issue) return ApiError.invalid(field, "is invalid");
  const custom = typeof issue.schema?.error === "string" ? issue.schema.error : null;
  return ApiError.invalid(field, custom ?? describe(issue.message));
}

function describe(message: string): string {
  if (message === "Expected required property") return "is required";
  if (message === "Unexpected property") return "is not a known field";
  return message.charAt(0).toLowerCase() + message.slice(1);
}
