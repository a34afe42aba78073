// What the generated OpenAPI document says about the API as a whole: title, tags, bearer auth;
// and the responses of the operations routes, which have no feature folder of their own.
import { errors } from "./responses";

export const DOCUMENTATION = {
  openapi: "3.1.0",
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

export const HEALTH_RESPONSES = {
  200: {
    description: "Serving; the store's revision",
    content: {
      "application/json": {
        schema: {
          type: "object" as const,
          properties: {
            status: { type: "string" as const, enum: ["ok"] },
            // 3.1's JSON Schema (finish-document.ts); the 3.0 types the generator is typed with lack it.
            revision: { type: ["integer", "null"], minimum: 0 } as unknown as { type: "integer" },
            store: { type: "string" as const, enum: ["unavailable"] },
          },
          required: ["status", "revision"],
        },
      },
    },
  },
  ...errors(503),
};

export const READY_RESPONSES = {
  200: {
    description: "Ready: the store answers",
    content: {
      "application/json": {
        schema: {
          type: "object" as const,
          properties: {
            status: { type: "string" as const, enum: ["ready"] },
            revision: { type: "integer" as const, minimum: 0 },
          },
          required: ["status", "revision"],
        },
      },
    },
  },
  ...errors(503),
};

export const METRICS_RESPONSES = {
  200: {
    description: "Prometheus text exposition",
    content: { "text/plain; version=0.0.4; charset=utf-8": { schema: { type: "string" as const } } },
  },
};
