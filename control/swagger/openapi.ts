// What the generated OpenAPI document says about the API as a whole: title, tags, bearer auth.
import { ErrorBody } from "../errors";

export const DOCUMENTATION = {
  info: {
    title: "EdgeBase Functions control plane",
    version: "1.0.0",
    description:
      "Register functions, upload their WebAssembly modules as numbered versions, choose the active one and download artifacts. " +
      "Every `/api/v1` route needs `Authorization: Bearer <token>`: the admin token for changes, the admin or read-only token for reads. " +
      "Click **Authorize** and paste the admin token (printed at first start and saved in `<data-dir>/admin-token`). " +
      'Errors always look like `{"error": {"code", "message"}}`.',
  },
  tags: [
    { name: "functions", description: "Register and configure functions" },
    { name: "versions", description: "Upload modules and choose the active version" },
    { name: "artifacts", description: "Download module bytes (edge nodes)" },
    {
      name: "secrets",
      description: "Write-only function secrets: set and delete values, list names; no route returns a value",
    },
    { name: "nodes", description: "Edge nodes: the watch stream they follow and the revision each has live" },
    { name: "operations", description: "Health and metrics (no token)" },
  ],
  components: {
    securitySchemes: {
      bearerAuth: {
        type: "http" as const,
        scheme: "bearer",
        description: "The admin token, or the read-only token for GET routes",
      },
    },
  },
};

/** OpenAPI `responses` entries in the error shape, for routes that document their responses by hand. */
export function errorResponses(
  ...statuses: number[]
): Record<number, { description: string; content: Record<string, { schema: unknown }> }> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "Error", content: { "application/json": { schema: ErrorBody } } },
    ]),
  );
}
