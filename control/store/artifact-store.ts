// Module bytes, addressed only by their SHA-256: callers never name a path, and the same bytes
// uploaded twice are stored once. Every backend passes tests/control/artifact-store.contract.ts.

export interface ArtifactStore {
  /** Starts receiving an upload; it is hashed as it arrives and invisible until published. */
  stage(): Promise<StagedArtifact>;
  /** The bytes of a published artifact, or null. */
  get(sha256: string): Promise<Blob | null>;
  /** Every published hash; with `olderThan`, only those last published before it. */
  list(options?: ListOptions): Promise<string[]>;
  /** With `olderThan`: only if last published before it (checked at the delete, not at a list before). */
  delete(sha256: string, options?: ListOptions): Promise<void>;
  /** Published artifacts and their total size in bytes (for metrics). */
  stats(): { count: number; bytes: number };
  /**
   * A URL anyone may GET the artifact's bytes from, without credentials, for `expiresInSeconds`;
   * made locally, without asking the store whether the artifact is there. Absent or null: the
   * store cannot (files, memory), and the bytes go through the control plane.
   */
  presign?(sha256: string, expiresInSeconds: number): string | null;
}

/**
 * `olderThan`: a sweep shared by several control planes skips what another one has just published
 * and not yet recorded. Publishing bytes that are already there counts as publishing them again.
 */
export interface ListOptions {
  olderThan?: Date;
}

export interface StagedArtifact {
  /** Bytes written so far. */
  readonly size: number;
  write(chunk: Uint8Array): Promise<void>;
  /** No more writes: the bytes are durable in staging and the hash is known. */
  finish(): Promise<{ sha256: string; size: number }>;
  /** The finished bytes, e.g. to validate them before publishing. */
  read(): Promise<Uint8Array>;
  /** Makes the finished bytes addressable by hash; idempotent when they already are. */
  publish(): Promise<{ sha256: string; size: number }>;
  /** Drops the staged bytes; safe to call at any point, a no-op after publish. */
  discard(): Promise<void>;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
