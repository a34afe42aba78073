// GET /api/v1/artifacts/{id}/{version}: a version's module bytes, for edge nodes and people.
// A version's bytes never change, so the SHA-256 is the ETag and caches may keep it forever.
import { Elysia } from "elysia";
import { errors } from "../swagger/responses";
import { ArtifactParams } from "./model";
import type { ArtifactService } from "./service";

const header = (description: string) => ({ description, schema: { type: "string" as const } });
const ARTIFACT_HEADERS = {
  ETag: header('The SHA-256, hex, quoted: `"<sha256>"`'),
  "Cache-Control": header("`private, max-age=31536000, immutable`: a version's bytes never change"),
  Digest: header("`sha-256=<base64>` (RFC 3230)"),
  "Content-Digest": header("`sha-256=:<base64>:` (RFC 9530)"),
};

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
            headers: { ...ARTIFACT_HEADERS, "Content-Length": header("The module's size in bytes") },
            content: { "application/wasm": { schema: { type: "string", format: "binary" } } },
          },
          304: { description: "Not modified (the ETag matched)", headers: ARTIFACT_HEADERS },
          ...errors(401, 404, 422, 500),
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
