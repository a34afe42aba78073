// Assembles what the watch stream sends into whole states: a sequence's pages (and the parts of
// an entry too large for a page) are held until its last page, then applied in one step, so
// the node never serves half a snapshot. What is held is the parsed entries, an unchanged
// function kept as the object the node already has (desired-state.ts `reuse`): a snapshot to a
// returning node costs memory for what changed, a fresh node's for what it will serve anyway.
// A disconnect drops what was held; the node resumes from its last whole state.
import { Value } from "@sinclair/typebox/value";
import { DeployedFunction, type ChangesMessage, type PartMessage, type SnapshotMessage } from "../../../core/contract";
import { reuse, withUpdates, type DesiredState } from "./desired-state";

type Pending =
  | {
      kind: "snapshot";
      historyId: string;
      revision: number;
      nextPage: number;
      functions: Map<string, DeployedFunction>;
    }
  | { kind: "changes"; historyId: string; revision: number; updates: Map<string, DeployedFunction | null> };

export type Outcome =
  | { kind: "pending" }
  | { kind: "state"; state: DesiredState; snapshot: boolean }
  | { kind: "resync"; reason: string };

const PENDING: Outcome = { kind: "pending" };

export class Incoming {
  private pending: Pending | null = null;
  private parts: string[] | null = null;

  /** Pages held so far, for logs and tests. */
  get holding(): boolean {
    return this.pending !== null;
  }

  reset(): void {
    this.pending = null;
    this.parts = null;
  }

  take(state: DesiredState, message: SnapshotMessage | ChangesMessage | PartMessage): Outcome {
    const outcome =
      message.type === "part"
        ? this.part(state, message)
        : message.type === "snapshot"
          ? this.snapshot(state, message)
          : this.changes(state, message);
    if (outcome.kind !== "pending") this.reset();
    return outcome;
  }

  private snapshot(state: DesiredState, message: SnapshotMessage): Outcome {
    if (message.page === 0) {
      if (this.pending || this.parts) return resync("a snapshot started inside another sequence");
      this.pending = {
        kind: "snapshot",
        historyId: message.history_id,
        revision: message.revision,
        nextPage: 0,
        functions: new Map(),
      };
    }
    const pending = this.pending;
    if (
      pending?.kind !== "snapshot" ||
      pending.historyId !== message.history_id ||
      pending.revision !== message.revision ||
      pending.nextPage !== message.page
    ) {
      return resync(`snapshot page ${message.page} out of order`);
    }
    if (this.parts) return resync("a page came inside an unfinished part");
    pending.nextPage++;
    for (const entry of message.functions) pending.functions.set(entry.function.id, reuse(state, entry));
    if (!message.last) return PENDING;
    return {
      kind: "state",
      snapshot: true,
      state: { historyId: pending.historyId, revision: pending.revision, functions: pending.functions },
    };
  }

  private changes(state: DesiredState, message: ChangesMessage): Outcome {
    if (!this.pending) {
      if (message.history_id !== state.historyId)
        return resync(`changes of history ${message.history_id}, node has ${state.historyId}`);
      if (message.from !== state.revision)
        return resync(`changes from revision ${message.from} don't follow revision ${state.revision}`);
      this.pending = { kind: "changes", historyId: message.history_id, revision: message.from, updates: new Map() };
    }
    const pending = this.pending;
    if (pending.kind !== "changes" || pending.historyId !== message.history_id || pending.revision !== message.from) {
      return resync(`changes page from revision ${message.from} out of order`);
    }
    if (this.parts) return resync("a page came inside an unfinished part");
    pending.revision = message.revision;
    for (const entry of message.functions) pending.updates.set(entry.function.id, reuse(state, entry));
    for (const id of message.deleted) pending.updates.set(id, null);
    if (!message.last) return PENDING;
    return { kind: "state", snapshot: false, state: withUpdates(state, pending.updates, pending.revision) };
  }

  private part(state: DesiredState, message: PartMessage): Outcome {
    if (!this.pending) return resync("a part outside a sequence");
    (this.parts ??= []).push(message.text);
    if (!message.last) return PENDING;
    const text = this.parts.join("");
    this.parts = null;
    let entry: unknown;
    try {
      entry = JSON.parse(text);
    } catch {
      return resync("parts that are not JSON");
    }
    if (!Value.Check(DeployedFunction, entry))
      return resync(
        `parts that are not a deployed function: ${Value.Errors(DeployedFunction, entry).First()?.message}`,
      );
    const kept = reuse(state, entry);
    if (this.pending.kind === "snapshot") this.pending.functions.set(kept.function.id, kept);
    else this.pending.updates.set(kept.function.id, kept);
    return PENDING;
  }
}

function resync(reason: string): Outcome {
  return { kind: "resync", reason };
}
