// GET /api/v1/artifacts/{id}/{version}: a version's module bytes, for edge nodes and people.
// A version's bytes never change, so the SHA-256 is the ETag and caches may keep it forever.
// With ?presigned=1 and a store that can presign (S3), a 307 to a short-lived URL of the object:
// the bytes go from the bucket to the node, which checks them against the same digests.
import { Elysia } from "elysia";
import { errors } from "../swagger/responses";
import { ArtifactParams, ArtifactQuery } from "./model";
import type { ArtifactService } from "./service";

const header = (description: string) => ({ description, schema: { type: "string" as const } });
const DIGEST_HEADERS = {
  ETag: header('The SHA-256, hex, quoted: `"<sha256>"`'),
  Digest: header("`sha-256=<base64>` (RFC 3230)"),
  "Content-Digest": header("`sha-256=:<base64>:` (RFC 9530)"),
};
const ARTIFACT_HEADERS = {
  ...DIGEST_HEADERS,
  "Cache-Control": header("`private, max-age=31536000, immutable`: a version's bytes never change"),
};

export function artifactsController(service: ArtifactService) {
  return new Elysia({ name: "artifacts", prefix: "/api/v1/artifacts" }).get(
    "/:id/:version",
    async ({ params, query, request }) => {
      const record = await service.record(params.id, Number(params.version));
      const base64 = Buffer.from(record.sha256, "hex").toString("base64");
      const digests = {
        etag: `"${record.sha256}"`,
        digest: `sha-256=${base64}`,
        "content-digest": `sha-256=:${base64}:`,
      };
      const headers = { ...digests, "cache-control": "private, max-age=31536000, immutable" };
      if (etagMatches(request.headers.get("if-none-match"), record.sha256))
        return new Response(null, { status: 304, headers });
      const url = query.presigned === "1" || query.presigned === "true" ? service.presignedUrl(record) : null;
      // The URL expires: a cache must not keep the redirect.
      if (url)
        return new Response(null, { status: 307, headers: { ...digests, location: url, "cache-control": "no-store" } });
      const bytes = await service.bytes(record);
      return new Response(bytes, {
        headers: { ...headers, "content-type": "application/wasm", "content-length": String(record.size) },
      });
    },
    {
      params: ArtifactParams,
      query: ArtifactQuery,
      detail: {
        tags: ["artifacts"],
        security: [{ bearerAuth: [] }],
        operationId: "downloadArtifact",
        summary: "Download a version's module",
        description:
          "The `.wasm` bytes (`application/wasm`) with `ETag`, `Digest` and `Content-Digest` carrying the SHA-256. `If-None-Match` with the ETag answers 304. With `?presigned=1` and artifacts in S3, a 307 to a presigned URL of the object, valid for 5 minutes: fetch it without the Authorization header and check the bytes against the digests; with artifacts in files, the bytes as without it. Takes the admin or the read-only token.",
        responses: {
          200: {
            description: "The module",
            headers: { ...ARTIFACT_HEADERS, "Content-Length": header("The module's size in bytes") },
            content: { "application/wasm": { schema: { type: "string", format: "binary" } } },
          },
          304: { description: "Not modified (the ETag matched)", headers: ARTIFACT_HEADERS },
          307: {
            description:
              "`?presigned=1` and the store can presign (S3): the module is at `Location` for 5 minutes, without credentials",
            headers: {
              ...DIGEST_HEADERS,
              Location: header("A presigned GET URL of the object; send no Authorization header to it"),
              "Cache-Control": header("`no-store`: the URL expires"),
            },
          },
          ...errors(401, 404, 422, 500, 503),
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
