// The one place an outcome becomes an HTTP response.
import { OUTCOMES, RETRY_AFTER_SECONDS, type Outcome } from "../outcome";
import type { GuestResponse } from "../sandbox/protocol";

export function guestResponse(response: GuestResponse, requestId: string, head: boolean): Response {
  const headers = headerPairs(response.headers).slice();
  headers.push(["x-request-id", requestId]);
  return new Response(head ? null : response.body, { status: response.status, headers });
}

/**
 * The guest's header lines as pairs: a list keeps repeated names and costs less than
 * Headers.append per header. A function answers with the same headers nearly every time, so
 * the last block's pairs are kept and reused when the next block is the same text.
 */
function headerPairs(lines: string): readonly [string, string][] {
  if (lines === lastLines) return lastPairs;
  const pairs: [string, string][] = [];
  for (let start = 0, end = lines.indexOf("\n"); end >= 0; start = end + 1, end = lines.indexOf("\n", start)) {
    const colon = lines.indexOf(": ", start);
    const name = lines.slice(start, colon);
    if (name !== "x-request-id") pairs.push([name, lines.slice(colon + 2, end)]);
  }
  lastLines = lines;
  lastPairs = pairs;
  return pairs;
}

let lastLines = "";
let lastPairs: readonly [string, string][] = [];

/** Error bodies name the outcome and request id, never a host stack trace or guest detail. */
export function outcomeResponse(outcome: Outcome, requestId: string): Response {
  const { status, message } = OUTCOMES[outcome];
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  if (outcome === "overload" || outcome === "body_budget" || outcome === "shutting_down" || outcome === "unavailable")
    headers["retry-after"] = String(RETRY_AFTER_SECONDS);
  return new Response(JSON.stringify({ error: { code: outcome, message, request_id: requestId } }), {
    status,
    headers,
  });
}
