import { Type } from "@sinclair/typebox";
import { FunctionIdParam } from "../../core/contract";

export const ArtifactParams = Type.Object({
  id: FunctionIdParam,
  version: Type.String({
    pattern: "^[1-9][0-9]{0,8}$",
    description: "Version number",
    example: "1",
    error: "must be a version number (1, 2, 3 ...)",
  }),
});

export const ArtifactQuery = Type.Object({
  presigned: Type.Optional(
    Type.String({
      pattern: "^(1|0|true|false)$",
      enum: ["1", "0", "true", "false"],
      default: "0",
      description:
        "1: answer 307 with a presigned URL of the object when the artifact store can make one (S3); else the bytes",
      error: "must be 1 or 0 (or true or false)",
    }),
  ),
});
