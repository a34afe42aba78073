// What the control plane wants this node to serve, as of one revision: built from a snapshot,
// moved forward by changes (incoming.ts assembles them from the watch stream's pages).
// Immutable values, so a pass of the reconciler works on one consistent state while newer
// messages arrive.
import type { DeployedFunction } from "../../../core/contract";

export interface DesiredState {
  /** The control plane history the revision belongs to; null before the first snapshot. */
  readonly historyId: string | null;
  readonly revision: number;
  readonly functions: ReadonlyMap<string, DeployedFunction>;
}

export const EMPTY_STATE: DesiredState = { historyId: null, revision: 0, functions: new Map() };

/**
 * The entry to keep: the one the node has already when it is the same function at the same
 * last-change revision, so an unchanged function is held once, not once per snapshot.
 */
export function reuse(state: DesiredState, entry: DeployedFunction): DeployedFunction {
  const held = state.functions.get(entry.function.id);
  return held && held.revision !== undefined && held.revision === entry.revision ? held : entry;
}

/** The state after a changes sequence: `updates` maps function ids to their state now, null once deleted. */
export function withUpdates(
  state: DesiredState,
  updates: ReadonlyMap<string, DeployedFunction | null>,
  revision: number,
): DesiredState {
  const functions = new Map(state.functions);
  for (const [id, entry] of updates) {
    if (entry === null) functions.delete(id);
    else functions.set(id, entry);
  }
  return { historyId: state.historyId, revision, functions };
}
