// Where functions, versions and the change feed live. Every backend passes the contract suite
// in tests/control/metadata-store.contract.ts. Results are values, not HTTP errors: the service
// decides what a conflict means to a caller.
import type { ChangeRecord, DeployedFunction, FunctionRecord, FunctionSpec, VersionRecord } from "../contract";

export type StoreFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "version_not_found"; version: number }
  | { ok: false; reason: "name_taken"; name: string }
  | { ok: false; reason: "route_taken"; route: string; owner: { id: string; name: string; route: string } }
  | { ok: false; reason: "changed_since_check" };

/**
 * What a module check was made against: the function as the service read it. A write that
 * depends on the check passes it, and the store refuses it (changed_since_check) when the
 * function no longer agrees, in the same transaction as the write, so a check and its commit
 * always see the same limits (the service then checks again).
 */
export type CheckBasis = Pick<FunctionRecord, "memory_pages" | "entrypoint" | "active_version">;

export type StoreResult<T> = { ok: true; value: T } | StoreFailure;

export interface FunctionPage {
  items: FunctionRecord[];
  /** Pass as `after` to get the next page; null on the last page. */
  next: string | null;
}

/** Every function with its active version, as of one revision (read in one transaction). */
export interface StateSnapshot {
  revision: number;
  functions: DeployedFunction[];
}

export interface MetadataStore {
  /** Assigns id and timestamps; refuses a taken name or a route overlapping another function's. */
  createFunction(spec: FunctionSpec): Promise<StoreResult<FunctionRecord>>;
  getFunction(id: string): Promise<FunctionRecord | null>;
  /** In registration order; `after` is the last id of the previous page. */
  listFunctions(page: { limit: number; after?: string }): Promise<FunctionPage>;
  /** With `basis`: refused unless the function's limits and active version are still those. */
  updateFunction(id: string, patch: Partial<FunctionSpec>, basis?: CheckBasis): Promise<StoreResult<FunctionRecord>>;
  /** Removes the function and its versions (their artifacts are swept at start when unreferenced). */
  deleteFunction(id: string): Promise<StoreResult<FunctionRecord>>;
  /** Allocates the next version number atomically: concurrent calls get distinct versions. */
  /** With `basis` and `activate`: refused unless the function's limits are still those. */
  addVersion(functionId: string, artifact: { sha256: string; size: number }, activate: boolean, basis?: CheckBasis): Promise<StoreResult<VersionRecord>>;
  listVersions(functionId: string): Promise<StoreResult<VersionRecord[]>>;
  getVersion(functionId: string, version: number): Promise<VersionRecord | null>;
  /** With `basis`: refused unless the function's limits are still those. */
  activateVersion(functionId: string, version: number, basis?: CheckBasis): Promise<StoreResult<FunctionRecord>>;
  countFunctions(): Promise<number>;
  /** Revision of the last change; 0 before any. Each mutation adds exactly one. */
  revision(): Promise<number>;
  /** Changes with revision > `after`, oldest first. */
  changesSince(after: number, limit: number): Promise<ChangeRecord[]>;
  /** Revision of the oldest change still kept; revision() + 1 when none is kept. */
  historyStart(): Promise<number>;
  /** Forgets all but the newest `keep` changes; returns how many were dropped. */
  pruneChanges(keep: number): Promise<number>;
  /** Names this store's revision sequence: revisions from another history id mean nothing here. */
  historyId(): Promise<string>;
  snapshot(): Promise<StateSnapshot>;
  /** SHA-256 of every artifact some version refers to. */
  referencedArtifacts(): Promise<Set<string>>;
  close(): void;
}
