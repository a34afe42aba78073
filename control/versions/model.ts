// Schemas of upload, version listing and activation.
import { Type, type Static } from "@sinclair/typebox";
import { FunctionIdParam, FunctionName, VersionRecord } from "../../core/contract";

export const VersionParams = Type.Object({ id: FunctionIdParam });
export const VersionNameParams = Type.Object({ name: FunctionName });

const VersionNumber = Type.String({
  pattern: "^[1-9][0-9]{0,8}$",
  description: "Version number",
  example: "1",
  error: "must be a version number (1, 2, 3 ...)",
});
export const OneVersionParams = Type.Object({ id: FunctionIdParam, version: VersionNumber });
export const OneVersionNameParams = Type.Object({ name: FunctionName, version: VersionNumber });

export const VersionsQuery = Type.Object({
  limit: Type.Optional(
    Type.String({
      pattern: "^([1-9][0-9]?|100)$",
      description: "Page size, 1 to 100",
      default: "50",
      error: "must be an integer from 1 to 100",
    }),
  ),
  cursor: Type.Optional({ ...VersionNumber, description: "`next_cursor` of the previous page" }),
});

export const UploadQuery = Type.Object({
  activate: Type.Optional(
    // A pattern (with `enum` for the docs' dropdown) rather than a union: clearer errors.
    Type.String({
      pattern: "^(true|false)$",
      enum: ["true", "false"],
      default: "true",
      description: "Make the new version active (false: upload now, activate later)",
      error: "must be true or false",
    }),
  ),
  if_changed: Type.Optional(
    Type.String({
      pattern: "^(true|false)$",
      enum: ["true", "false"],
      default: "false",
      description:
        "true: when the module's SHA-256 equals the active version's, answer 200 with that version and make nothing",
      error: "must be true or false",
    }),
  ),
});

/** Documents the multipart body; the route reads it as a stream (see multipart-stream.ts). */
export const UploadForm = Type.Object(
  {
    file: Type.String({ format: "binary", description: "The compiled .wasm module" }),
    // No `pattern` here: Swagger UI would fill the field with a random matching sample.
    sha256: Type.Optional(
      Type.String({
        description: "Expected SHA-256 (64 hex digits); a mismatch answers 422. Leave empty to skip the check",
        example: "",
      }),
    ),
  },
  { required: ["file"] },
);

export const VersionList = Type.Object(
  {
    versions: Type.Array(VersionRecord),
    next_cursor: Type.Union([Type.String(), Type.Null()], {
      description: "Pass as `cursor` for the next page; null on the last page",
    }),
  },
  { additionalProperties: false },
);
export type VersionList = Static<typeof VersionList>;

export const ActivateBody = Type.Object(
  { version: Type.Integer({ minimum: 1, description: "Version to serve (roll back or forward)", example: 1 }) },
  { additionalProperties: false, example: { version: 1 } },
);
