// The body parser of the JSON routes: the body must be declared JSON (else 415, rather than
// guessing at what a text/plain or form body meant), fit MAX_JSON_BYTES (else 413, before more
// than that is read) and parse (else 400).
import { ApiError } from "./errors";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
/** No request body needs more; deeper ones only serve to overflow a recursive walk (validation, error reports). */
const MAX_DEPTH = 32;
/**
 * The largest JSON body accepted. The largest valid one is a function whose env fills its
 * limit: 1 MiB as JSON (LIMITS.envJsonBytes), with 32 routes of 256 characters and the other
 * fields ~1.06 MiB. Parsing costs several times the body in memory (docs/performance.md,
 * "Control plane: oversized JSON bodies"), so the bound is that plus room (an env a few times
 * too big still gets its 422 naming `env`), not the upload limit Bun enforces for every route.
 */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

async function jsonBody({ request }: { request: Request }): Promise<unknown> {
  if (!JSON_TYPE.test(request.headers.get("content-type") ?? "")) {
    throw new ApiError(415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
  }
  const text = Buffer.from(await readCapped(request, MAX_JSON_BYTES, tooLarge)).toString("utf8");
  if (nesting(text) > MAX_DEPTH)
    throw new ApiError(400, "malformed_body", `the request body nests deeper than ${MAX_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(
      400,
      "malformed_body",
      "the request body could not be parsed; send JSON with Content-Type: application/json",
    );
  }
}

const tooLarge = () => new ApiError(413, "payload_too_large", `JSON bodies are limited to ${MAX_JSON_BYTES} bytes`);

/**
 * The body's bytes, refused (`tooLarge()` thrown) by its Content-Length, or as soon as more
 * than `limit` bytes arrived: for JSON bodies here and for secret values (secrets/body.ts).
 */
export async function readCapped(request: Request, limit: number, tooLarge: () => Error): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings don't count). */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * A JSON route's `parse`: jsonBody decides; the content type after it is never reached and only
 * tells the OpenAPI document (which can't see into a function) that the body is JSON.
 */
export const JSON_PARSE: [typeof jsonBody, "application/json"] = [jsonBody, "application/json"];
