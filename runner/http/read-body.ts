// Reads a request body up to a byte limit without buffering more than the limit, whether the
// client announced a Content-Length or streams chunked.
export type BodyResult = { ok: true; body: Uint8Array | null } | { ok: false };

export async function readBody(request: Request, limit: number): Promise<BodyResult> {
  if (!request.body) return { ok: true, body: null };
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return { ok: false };
  const reader = request.body.getReader();
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
