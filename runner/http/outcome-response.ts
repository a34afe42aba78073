// The one place an outcome becomes an HTTP response.
import { OUTCOMES, RETRY_AFTER_SECONDS, type Outcome } from "../outcome";
import type { GuestResponse } from "../sandbox/protocol";

export function guestResponse(response: GuestResponse, requestId: string, head: boolean): Response {
  // A list of pairs keeps repeated names and costs less than Headers.append per header.
  const headers: [string, string][] = [];
  const lines = response.headers;
  for (let start = 0, end = lines.indexOf("\n"); end >= 0; start = end + 1, end = lines.indexOf("\n", start)) {
    const colon = lines.indexOf(": ", start);
    const name = lines.slice(start, colon);
    if (name !== "x-request-id") headers.push([name, lines.slice(colon + 2, end)]);
  }
  headers.push(["x-request-id", requestId]);
  return new Response(head ? null : response.body, { status: response.status, headers });
}

/** Error bodies name the outcome and request id, never a host stack trace or guest detail. */
export function outcomeResponse(outcome: Outcome, requestId: string): Response {
  const { status, message } = OUTCOMES[outcome];
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  if (outcome === "overload" || outcome === "shutting_down" || outcome === "unavailable") headers["retry-after"] = String(RETRY_AFTER_SECONDS);
  return new Response(JSON.stringify({ error: { code: outcome, message, request_id: requestId } }), { status, headers });
}
