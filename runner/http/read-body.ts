// Reads a request body up to a byte limit without buffering more than the limit, whether the
// client announced a Content-Length or streams chunked.
export type BodyResult = { ok: true; body: Uint8Array | null } | { ok: false };

const NO_BODY: BodyResult = { ok: true, body: null };

/** Synchronous when there is no body (most GETs), so those requests skip an await. */
export function readBody(request: Request, limit: number): BodyResult | Promise<BodyResult> {
  if (!request.body) return NO_BODY;
  return readStream(request, request.body, limit);
}

async function readStream(request: Request, stream: ReadableStream<Uint8Array>, limit: number): Promise<BodyResult> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return { ok: false };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return { ok: false };
    }
    chunks.push(value);
  }
  if (total === 0) return { ok: true, body: null };
  if (chunks.length === 1 && chunks[0].byteOffset === 0 && chunks[0].byteLength === chunks[0].buffer.byteLength) return { ok: true, body: chunks[0] };
  const body = new Uint8Array(total);
  let off = 0;
  for (const chunk of chunks) {
    body.set(chunk, off);
    off += chunk.byteLength;
  }
  return { ok: true, body };
}
