// Opens the metadata database for both stores (metadata, nodes), migrated to the current schema.
//
// A data dir that went read-only must still start and serve reads. After a crash SQLite opens it
// read-only on its own: the -wal and -shm files are there. After a clean shutdown they are not
// (the last connection checkpoints the WAL and deletes both), and SQLite cannot create the -shm
// a WAL database needs on a read-only filesystem: "unable to open database file". Everything is
// in the main file then, so it is opened as immutable (read-only, no locking, no WAL index), and
// writes fail with SQLITE_READONLY, which the API answers 503 storage_unavailable. Not when a
// -wal with content is there but could not be used: immutable would ignore committed
// transactions in it, so that start fails with SQLite's error instead of serving stale data.
import { Database, constants } from "bun:sqlite";
import { statSync } from "node:fs";
import { openSchema } from "./sqlite-schema";
import { storageFailure } from "./storage-errors";

/** `path` is a file (created if missing and the dir is writable) or ":memory:". */
export function openMetadataDatabase(path: string): Database {
  const db = new Database(path, { create: true });
  try {
    openSchema(db);
    return db;
  } catch (error) {
    db.close();
    if (path === ":memory:" || storageFailure(error) !== "unwritable" || walHasContent(path) || !hasContent(path))
      throw error;
    const readOnly = new Database(
      `file:${path.replace(/[%?#]/g, encodeURIComponent)}?immutable=1`,
      constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI,
    );
    try {
      openSchema(readOnly);
    } catch (inner) {
      readOnly.close();
      throw storageFailure(inner)
        ? new Error(`${path} is read-only and needs a schema migration; start once on a writable data dir`)
        : inner;
    }
    return readOnly;
  }
}

function walHasContent(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

function hasContent(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}
