// GET /api/v1/artifacts/{id}/{version}: a version's module bytes, for edge nodes and people.
// A version's bytes never change, so the SHA-256 is the ETag and caches may keep it forever.
import { Elysia } from "elysia";
import { errorResponses } from "../swagger/openapi";
import { ArtifactParams } from "./model";
import type { ArtifactService } from "./service";

export function artifactsController(service: ArtifactService) {
  return new Elysia({ name: "artifacts", prefix: "/api/v1/artifacts" }).get(
    "/:id/:version",
    async ({ params, request }) => {
      const { record, bytes } = await service.open(params.id, Number(params.version));
      const base64 = Buffer.from(record.sha256, "hex").toString("base64");
      const headers = {
        etag: `"${record.sha256}"`,
        "cache-control": "private, max-age=31536000, immutable",
        digest: `sha-256=${base64}`,
        "content-digest": `sha-256=:${base64}:`,
      };
      if (etagMatches(request.headers.get("if-none-match"), record.sha256))
        return new Response(null, { status: 304, headers });
      return new Response(bytes, {
        headers: { ...headers, "content-type": "application/wasm", "content-length": String(record.size) },
      });
    },
    {
      params: ArtifactParams,
      detail: {
        tags: ["artifacts"],
        security: [{ bearerAuth: [] }],
        operationId: "downloadArtifact",
        summary: "Download a version's module",
        description:
          "The `.wasm` bytes (`application/wasm`) with `ETag`, `Digest` and `Content-Digest` carrying the SHA-256. `If-None-Match` with the ETag answers 304. Takes the admin or the read-only token.",
        responses: {
          200: {
            description: "The module",
            content: { "application/wasm": { schema: { type: "string", format: "binary" } } },
          },
          304: { description: "Not modified (the ETag matched)" },
          ...errorResponses(401, 404, 422),
        },
      },
    },
  );
}

function etagMatches(header: string | null, sha256: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === `"${sha256}"`);
}
