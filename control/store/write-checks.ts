// The checks a write makes inside its transaction before it changes anything, the same on every
// backend (sqlite-metadata-store.ts, postgres/metadata-store.ts): If-Match, the module-check
// basis, and the failures they and the overlap check return.
import type { FunctionRecord } from "../../core/contract";
import { functionEtag } from "./function-etag";
import type { CheckBasis, IfMatch, StoreFailure, StoreResult } from "./metadata-store";

export const ok = <T>(value: T): StoreResult<T> => ({ ok: true, value });
export const NOT_FOUND: StoreFailure = { ok: false, reason: "not_found" };
export const CHANGED: StoreFailure = { ok: false, reason: "changed_since_check" };
export const PRECONDITION: StoreFailure = { ok: false, reason: "precondition_failed" };

/** Whether an If-Match (absent: no condition) accepts the function as it is. */
export function matches(current: FunctionRecord, ifMatch: IfMatch | undefined): boolean {
  return ifMatch === undefined || ifMatch.includes(functionEtag(current));
}

/** Whether the limits a module is checked under differ from those of `basis`. */
export function changedLimits(current: FunctionRecord, basis: CheckBasis): boolean {
  return (
    current.memory_pages !== basis.memory_pages ||
    current.entrypoint !== basis.entrypoint ||
    current.runtime !== basis.runtime
  );
}

/** The refusal naming another function's route that overlaps `mine`. */
export function routeTaken(mine: string, theirs: { id: string; name: string; pattern: string }): StoreFailure {
  return {
    ok: false,
    reason: "route_taken",
    route: mine,
    owner: { id: theirs.id, name: theirs.name, route: theirs.pattern },
  };
}

/**
 * Whether one more secret (its entry `jsonBytes` long) keeps the function within `limits`, given
 * the `others` it has: their count and entry bytes. The secrets' JSON is braces, the entries and
 * a comma between two.
 */
export function secretsBound(
  others: { n: number; bytes: number },
  jsonBytes: number,
  limits: { entries: number; jsonBytes: number },
): { ok: false; reason: "too_many"; entries: number; jsonBytes: number } | null {
  const entries = others.n + 1;
  const total = 2 + others.bytes + jsonBytes + others.n;
  return entries > limits.entries || total > limits.jsonBytes
    ? { ok: false, reason: "too_many", entries, jsonBytes: total }
    : null;
}
