// Where functions, versions and the change feed live. Every backend passes the contract suite
// in tests/control/metadata-store.contract.ts. Results are values, not HTTP errors: the service
// decides what a conflict means to a caller.
import type { ChangeRecord, DeployedFunction, FunctionRecord, FunctionSpec, VersionRecord } from "../contract";

export type StoreFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "version_not_found"; version: number }
  | { ok: false; reason: "name_taken"; name: string }
  | { ok: false; reason: "route_taken"; route: string; owner: { id: string; name: string; route: string } };

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
  updateFunction(id: string, patch: Partial<FunctionSpec>): Promise<StoreResult<FunctionRecord>>;
  /** Removes the function and its versions (their artifacts are swept at start when unreferenced). */
  deleteFunction(id: string): Promise<StoreResult<FunctionRecord>>;
  /** Allocates the next version number atomically: concurrent calls get distinct versions. */
  addVersion(functionId: string, artifact: { sha256: string; size: number }, activate: boolean): Promise<StoreResult<VersionRecord>>;
  listVersions(functionId: string): Promise<StoreResult<VersionRecord[]>>;
  getVersion(functionId: string, version: number): Promise<VersionRecord | null>;
  activateVersion(functionId: string, version: number): Promise<StoreResult<FunctionRecord>>;
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
