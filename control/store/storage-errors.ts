// Which errors mean the store cannot take a write: the disk is full, it is read-only or
// failing, or it is gone (removed or replaced under the running process), or the database is
// out of reach. Errno codes from node:fs, SQLite's result codes from bun:sqlite and Bun.sql's
// PostgreSQL codes, in one place, so the API (507/503), start-up (serve reads only) and the
// watch hub agree. "unavailable": a remote store (PostgreSQL, the S3 artifact store) did not
// answer, failed or refused (access denied, no such bucket).

export type StorageFailure = "full" | "unwritable" | "lost" | "unavailable";

/** Bun.sql's codes for a connection that failed, closed or timed out. */
const PG_CONNECTION = /^ERR_POSTGRES_(CONNECTION_\w+|IDLE_TIMEOUT|LIFETIME_TIMEOUT|TLS_\w+)$/;
/**
 * SQLSTATEs that say the database, not the request, failed: class 08 (connection), 57P0x
 * (shutdown, cannot connect now), 53xxx (out of connections, memory, disk), 40001/40P01 (a
 * serialization failure or deadlock: the transaction was rolled back and may be tried again),
 * 25006 (a read-only transaction: the server is a standby, e.g. the old primary after a failover).
 */
const PG_STATE = /^(08\w{3}|57P0\d|53\w{3}|40001|40P01|25006)$/;

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
  if (PG_CONNECTION.test(code)) return "unavailable";
  const state = (error as { errno?: unknown }).errno;
  if (code === "ERR_POSTGRES_SERVER_ERROR" && typeof state === "string" && PG_STATE.test(state)) return "unavailable";
  return UNWRITABLE.test(code) ? "unwritable" : null;
}
