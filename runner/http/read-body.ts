// Reads a request body up to a byte limit without buffering more than the limit, whether the
// client announced a Content-Length or streams chunked, taking its bytes from the node's body
// budget as they arrive. The caller gives `held` back to the budget when the invocation ends.
import type { BodyBudget } from "./body-budget";

export type BodyResult =
  | { ok: true; body: Uint8Array | null; held: number }
  | { ok: false; outcome: "body_too_large" | "body_budget" | "bad_request"; detail?: string };

const NO_BODY: BodyResult = { ok: true, body: null, held: 0 };
const TOO_LARGE: BodyResult = { ok: false, outcome: "body_too_large" };
const NO_ROOM: BodyResult = { ok: false, outcome: "body_budget" };

/** Synchronous when there is no body (most GETs), so those requests skip an await. */
export function readBody(request: Request, limit: number, budget: BodyBudget): BodyResult | Promise<BodyResult> {
  if (!request.body) return NO_BODY;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) return TOO_LARGE;
  // A declared length is taken at once: what cannot fit is refused before it is read.
  const reserved = declared > 0 ? declared : 0;
  if (reserved > 0 && !budget.take(reserved)) return NO_ROOM;
  if (reserved > 0) return readDeclared(request, budget, reserved);
  return readStream(request.body, limit, budget, reserved);
}

/**
 * A declared length, taken already: Bun reads exactly that much (it frames the body by it) into
 * one buffer, without the chunks and the copy that joins them.
 */
function readDeclared(request: Request, budget: BodyBudget, held: number): Promise<BodyResult> {
  return request.bytes().then(
    (body) => (body.byteLength > 0 ? { ok: true, body, held } : (budget.give(held), NO_BODY)),
    (error: unknown) => {
      budget.give(held);
      return {
        ok: false,
        outcome: "bad_request",
        detail: `request body not received whole: ${(error as Error).message}`,
      };
    },
  );
}

async function readStream(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  budget: BodyBudget,
  reserved: number,
): Promise<BodyResult> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let held = reserved;
  let total = 0;
  let refused: BodyResult | null = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) refused = TOO_LARGE;
      else if (total > held && !budget.take(total - held)) refused = NO_ROOM;
      if (refused) break;
      held = Math.max(held, total);
      chunks.push(value);
    }
  } catch (error) {
    // The client went away mid-body (or sent a broken chunked encoding): nothing to run.
    refused = {
      ok: false,
      outcome: "bad_request",
      detail: `request body not received whole: ${(error as Error).message}`,
    };
  }
  if (refused) {
    reader.cancel().catch(() => {});
    budget.give(held);
    return refused;
  }
  if (total === 0) {
    budget.give(held);
    return NO_BODY;
  }
  if (chunks.length === 1 && chunks[0].byteOffset === 0 && chunks[0].byteLength === chunks[0].buffer.byteLength)
    return { ok: true, body: chunks[0], held };
  const body = new Uint8Array(total);
  let off = 0;
  for (const chunk of chunks) {
    body.set(chunk, off);
    off += chunk.byteLength;
  }
  return { ok: true, body, held };
}
