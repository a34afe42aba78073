// Schemas of upload, version listing and activation.
import { Type } from "@sinclair/typebox";
import { FunctionIdParam, VersionRecord } from "../../core/contract";

export const VersionParams = Type.Object({ id: FunctionIdParam });

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

export const VersionList = Type.Object({ versions: Type.Array(VersionRecord) }, { additionalProperties: false });

export const ActivateBody = Type.Object(
  { version: Type.Integer({ minimum: 1, description: "Version to serve (roll back or forward)", example: 1 }) },
  { additionalProperties: false, example: { version: 1 } },
);
