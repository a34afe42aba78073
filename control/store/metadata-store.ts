// Where functions, versions and the change feed live. Every backend passes the contract suite
// in tests/control/metadata-store.contract.ts. Results are values, not HTTP errors: the service
// decides what a conflict means to a caller.
import type { FunctionRecord, FunctionSpec, VersionRecord } from "../../core/contract";

export type StoreFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "version_not_found"; version: number }
  | { ok: false; reason: "name_taken"; name: string }
  | { ok: false; reason: "route_taken"; route: string; owner: { id: string; name: string; route: string } }
  | { ok: false; reason: "changed_since_check" }
  /** An env change names a key the function has a secret of (store/secret-store.ts). */
  | { ok: false; reason: "secret_name_taken"; key: string }
  | { ok: false; reason: "precondition_failed" };

/**
 * What a module check was made against: the function as the service read it. A write that
 * depends on the check passes it, and the store refuses it (changed_since_check) when the
 * function no longer agrees, in the same transaction as the write, so a check and its commit
 * always see the same limits (the service then checks again).
 */
export type CheckBasis = Pick<FunctionRecord, "memory_pages" | "entrypoint" | "runtime" | "active_version">;

export type StoreResult<T> = { ok: true; value: T } | StoreFailure;

/**
 * If-Match for a write: the ETags (control/store/function-etag.ts) the caller accepts. The store
 * refuses the write (precondition_failed) in its transaction unless the function's is one of them.
 */
export type IfMatch = readonly string[];

export interface VersionPage {
  items: VersionRecord[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: number | null;
}

export interface FunctionPage {
  items: FunctionRecord[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
}

/**
 * A DeployedFunction (the record, its active version and its last change's revision) as JSON
 * text, ready to send: a store builds it from its row without parsing the env, so a page of
 * the feed costs about its size in memory, not an object graph on top.
 */
export interface SerializedFunction {
  functionId: string;
  revision: number;
  json: string;
  /** UTF-8 size of `json`, known without encoding it. */
  bytes: number;
  /**
   * The function's secrets, still sealed, as JSON text {key: hex of the sealed value}; null when
   * it has none. `json` leaves them out: the watch stream opens and adds them (watch/secrets.ts).
   */
  sealed: string | null;
}

/** A function in the change feed: its last change's revision and what it is now, or null once deleted. */
export interface ChangeEntry {
  revision: number;
  functionId: string;
  json: string | null;
  bytes: number;
  /** As SerializedFunction.sealed. */
  sealed: string | null;
}

/** Entries up to a byte budget (at least one); `more` when the budget, not the end, cut them. */
export interface FeedPage<T> {
  entries: T[];
  more: boolean;
}

export interface MetadataStore {
  /** Assigns id and timestamps; refuses a taken name or a route overlapping another function's. */
  createFunction(spec: FunctionSpec): Promise<StoreResult<FunctionRecord>>;
  getFunction(id: string): Promise<FunctionRecord | null>;
  getFunctionByName(name: string): Promise<FunctionRecord | null>;
  /** In registration order; `after` is the last id of the previous page. */
  listFunctions(page: { limit: number; after?: string }): Promise<FunctionPage>;
  /** With `basis`: refused unless the function's limits and active version are still those; with `ifMatch`, unless its ETag is one of them. */
  updateFunction(
    id: string,
    patch: Partial<FunctionSpec>,
    basis?: CheckBasis,
    ifMatch?: IfMatch,
  ): Promise<StoreResult<FunctionRecord>>;
  /** Removes the function and its versions (their artifacts are swept at start when unreferenced). */
  deleteFunction(id: string, ifMatch?: IfMatch): Promise<StoreResult<FunctionRecord>>;
  /** Allocates the next version number atomically: concurrent calls get distinct versions. */
  /** With `basis` and `activate`: refused unless the function's limits are still those. */
  addVersion(
    functionId: string,
    artifact: { sha256: string; size: number },
    activate: boolean,
    basis?: CheckBasis,
  ): Promise<StoreResult<VersionRecord>>;
  /** Oldest first, a page at a time; `after` is the last version of the previous page. */
  listVersions(functionId: string, page: { limit: number; after?: number }): Promise<StoreResult<VersionPage>>;
  getVersion(functionId: string, version: number): Promise<VersionRecord | null>;
  /** With `basis`: refused unless the function's limits are still those. */
  activateVersion(functionId: string, version: number, basis?: CheckBasis): Promise<StoreResult<FunctionRecord>>;
  /**
   * Deletes the function's versions older than its newest `keep`, never the active one; returns
   * those deleted. Not a change of the function: no revision. Their artifacts are the caller's.
   */
  pruneVersions(functionId: string, keep: number): Promise<StoreResult<VersionRecord[]>>;
  countFunctions(): Promise<number>;
  /** Revision of the last change; 0 before any. Each mutation adds exactly one. */
  revision(): Promise<number>;
  /**
   * The functions whose last change is after `after`, in revision order, as they are now: one
   * entry per function however often it changed (the feed is compacted). `maxBytes` bounds the
   * page by the size of the records read.
   */
  changesSince(after: number, maxBytes: number): Promise<FeedPage<ChangeEntry>>;
  /** Every function with id > `after` (null: from the start), by id, as it is now; `maxBytes` as above. */
  snapshotPage(after: string | null, maxBytes: number): Promise<FeedPage<SerializedFunction>>;
  /** Changes up to this revision may be forgotten (pruned deletions): a node behind it needs a snapshot. */
  compactedThrough(): Promise<number>;
  /** Forgets all but the newest `keep` deletions; returns how many were dropped. */
  pruneDeletions(keep: number): Promise<number>;
  /** Names this store's revision sequence: revisions from another history id mean nothing here. */
  historyId(): Promise<string>;
  /** SHA-256 of every artifact some version refers to. */
  referencedArtifacts(): Promise<Set<string>>;
  /** Whether some version refers to this artifact. */
  artifactReferenced(sha256: string): Promise<boolean>;
  close(): void;
}
