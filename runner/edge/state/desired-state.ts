// What the control plane wants this node to serve, as of one revision: built from a snapshot,
// moved forward by changes. Immutable values, so a pass of the reconciler works on one
// consistent state while newer messages arrive.
import type { ChangesMessage, DeployedFunction, SnapshotMessage } from "../../../control/contract";

export interface DesiredState {
  /** The control plane history the revision belongs to; null before the first snapshot. */
  readonly historyId: string | null;
  readonly revision: number;
  readonly functions: ReadonlyMap<string, DeployedFunction>;
}

export const EMPTY_STATE: DesiredState = { historyId: null, revision: 0, functions: new Map() };

export function fromSnapshot(message: SnapshotMessage): DesiredState {
  return { historyId: message.history_id, revision: message.revision, functions: new Map(message.functions.map((f) => [f.function.id, f])) };
}

/**
 * The state after `message`, or null when it doesn't follow on (another history, or a gap in
 * revisions): the node must start over from a snapshot. Changes it already has are skipped.
 */
export function withChanges(state: DesiredState, message: ChangesMessage): DesiredState | null {
  if (message.history_id !== state.historyId) return null;
  const fresh = message.changes.filter((change) => change.revision > state.revision);
  if (fresh.length === 0) return state;
  if (fresh[0]!.revision !== state.revision + 1) return null;
  const functions = new Map(state.functions);
  let revision = state.revision;
  for (const change of fresh) {
    if (change.revision !== revision + 1) return null;
    revision = change.revision;
    if (change.function === null) functions.delete(change.function_id);
    else functions.set(change.function_id, { function: change.function, artifact: change.artifact });
  }
  return { historyId: state.historyId, revision, functions };
}
