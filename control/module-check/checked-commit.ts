// Check-then-commit: a module is checked under a function's limits as read, and the store
// commits only if those limits are still the ones checked. Used by functions (new limits
// against the active version) and versions (upload, activate).
import type { FunctionRecord } from "../../core/contract";
import { MAX_CHECKS, unwrap } from "../errors";
import type { CheckBasis, StoreResult } from "../store/metadata-store";

/**
 * Runs `attempt` (read the function, check a module under its limits, commit with basisOf what
 * was read) until the store commits: it refuses a commit whose basis changed since the read
 * (changed_since_check), and the next round checks again against the change. After MAX_CHECKS
 * refusals in a row: 409 concurrent_change.
 */
export async function checkedCommit<T>(attempt: () => Promise<StoreResult<T>>, id: string): Promise<T> {
  for (let round = 1; ; round++) {
    const result = await attempt();
    if (result.ok || result.reason !== "changed_since_check" || round === MAX_CHECKS) return unwrap(result, id);
  }
}

/** What a module check of `fn` was made against, for the store to compare at commit. */
export function basisOf(fn: FunctionRecord): CheckBasis {
  return {
    memory_pages: fn.memory_pages,
    entrypoint: fn.entrypoint,
    runtime: fn.runtime,
    active_version: fn.active_version,
  };
}
