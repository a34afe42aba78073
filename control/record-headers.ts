// The headers of responses that carry function records (functions/ and versions/ routes), and
// the If-Match their writes answer to.
import type { FunctionRecord } from "../core/contract";
import { functionEtag } from "./store/function-etag";
import type { IfMatch } from "./store/metadata-store";

/** An If-Match header as the services take it: absent, `*` (any current record), or ETags. */
export type Precondition = undefined | "*" | IfMatch;

type Set = { headers: Record<string, unknown> };

/** A function's settings (env may hold secrets) are never stored by a cache. */
export function noStore(set: Set): void {
  set.headers["cache-control"] = "no-store";
}

/** ETag and no-store for a response with one function record; `Location` when it was just created. */
export function recordHeaders(set: Set, record: FunctionRecord, created = false): FunctionRecord {
  noStore(set);
  set.headers.etag = functionEtag(record);
  if (created) set.headers.location = `/api/v1/functions/${record.id}`;
  return record;
}

/**
 * An If-Match header: absent, `*`, or the strong ETags it lists. A weak tag (W/"...") never
 * matches (strong comparison), nor does anything that is not a quoted tag.
 */
export function preconditionOf(request: Request): Precondition {
  const header = request.headers.get("if-match");
  if (header === null) return undefined;
  if (header.trim() === "*") return "*";
  return header
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => /^"[\x21\x23-\x7e]*"$/.test(tag));
}
