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
