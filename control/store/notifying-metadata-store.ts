// A MetadataStore that says when it changed, so the watch hub pushes changes the moment they
// commit instead of polling. Wraps any backend; reads pass straight through.
import type { FunctionSpec } from "../../core/contract";
import type { CheckBasis, IfMatch, MetadataStore, StoreResult } from "./metadata-store";

export class NotifyingMetadataStore implements MetadataStore {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly inner: MetadataStore) {}

  /** `listener` runs after every successful mutation; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  createFunction(spec: FunctionSpec) {
    return this.notify(this.inner.createFunction(spec));
  }
  updateFunction(id: string, patch: Partial<FunctionSpec>, basis?: CheckBasis, ifMatch?: IfMatch) {
    return this.notify(this.inner.updateFunction(id, patch, basis, ifMatch));
  }
  deleteFunction(id: string, ifMatch?: IfMatch) {
    return this.notify(this.inner.deleteFunction(id, ifMatch));
  }
  addVersion(functionId: string, artifact: { sha256: string; size: number }, activate: boolean, basis?: CheckBasis) {
    return this.notify(this.inner.addVersion(functionId, artifact, activate, basis));
  }
  activateVersion(functionId: string, version: number, basis?: CheckBasis) {
    return this.notify(this.inner.activateVersion(functionId, version, basis));
  }

  /** Versions no node serves: not in the feed, nothing to push. */
  pruneVersions(functionId: string, keep: number) {
    return this.inner.pruneVersions(functionId, keep);
  }

  getFunction(id: string) {
    return this.inner.getFunction(id);
  }
  getFunctionByName(name: string) {
    return this.inner.getFunctionByName(name);
  }
  listFunctions(page: { limit: number; after?: string }) {
    return this.inner.listFunctions(page);
  }
  listVersions(functionId: string, page: { limit: number; after?: number }) {
    return this.inner.listVersions(functionId, page);
  }
  getVersion(functionId: string, version: number) {
    return this.inner.getVersion(functionId, version);
  }
  countFunctions() {
    return this.inner.countFunctions();
  }
  revision() {
    return this.inner.revision();
  }
  changesSince(after: number, maxBytes: number) {
    return this.inner.changesSince(after, maxBytes);
  }
  snapshotPage(after: string | null, maxBytes: number) {
    return this.inner.snapshotPage(after, maxBytes);
  }
  compactedThrough() {
    return this.inner.compactedThrough();
  }
  pruneDeletions(keep: number) {
    return this.inner.pruneDeletions(keep);
  }
  historyId() {
    return this.inner.historyId();
  }
  referencedArtifacts() {
    return this.inner.referencedArtifacts();
  }
  artifactReferenced(sha256: string) {
    return this.inner.artifactReferenced(sha256);
  }
  close(): void {
    this.inner.close();
  }

  private async notify<T>(pending: Promise<StoreResult<T>>): Promise<StoreResult<T>> {
    const result = await pending;
    // A refused write (name taken, ...) changed nothing; activating the active version neither,
    // but telling the hub costs one empty read, so only refusals are filtered.
    if (result.ok) for (const listener of this.listeners) listener();
    return result;
  }
}
