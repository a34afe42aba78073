// Which errors mean the data dir cannot take a write: the disk is full, it is read-only or
// failing, or it is gone (removed or replaced under the running process). Errno codes from
// node:fs and SQLite's result codes from bun:sqlite, in one place, so the API (507/503),
// start-up (serve reads only) and the watch hub agree. "unavailable": a remote store (the S3
// artifact store) did not answer, failed (5xx) or refused (access denied, no such bucket).

export type StorageFailure = "full" | "unwritable" | "lost" | "unavailable";

const FULL = new Set(["ENOSPC", "EDQUOT", "SQLITE_FULL"]);
const UNWRITABLE = /^(EROFS|EIO|EACCES|EPERM|SQLITE_READONLY\w*|SQLITE_IOERR\w*|SQLITE_CANTOPEN\w*)$/;

/** The data dir (or its metadata file) is not the one opened at start: see data-dir-guard.ts. */
export class DataDirLost extends Error {
  readonly code = "EDGE_DATA_DIR_LOST";
}

/** A remote store failed; the message names the store and the operation, never a credential. */
export class StoreUnavailable extends Error {
  readonly code = "EDGE_STORE_UNAVAILABLE";
}

export function storageFailure(error: unknown): StorageFailure | null {
  if (error instanceof DataDirLost) return "lost";
  if (error instanceof StoreUnavailable) return "unavailable";
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return null;
  if (FULL.has(code)) return "full";
  return UNWRITABLE.test(code) ? "unwritable" : null;
}
