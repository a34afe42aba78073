// The metadata schema, versioned with PRAGMA user_version so later releases migrate in place.
import type { Database } from "bun:sqlite";

const MIGRATIONS: string[] = [
  // 1: functions, versions, and the change feed edge nodes follow by revision.
  `CREATE TABLE functions (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     entrypoint TEXT NOT NULL,
     runtime TEXT NOT NULL,
     memory_pages INTEGER NOT NULL,
     max_execution_ms INTEGER NOT NULL,
     env TEXT NOT NULL,
     routes TEXT NOT NULL,
     active_version INTEGER,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   ) STRICT;
   CREATE TABLE versions (
     function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
     version INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     size INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (function_id, version)
   ) STRICT;
   CREATE INDEX versions_sha256 ON versions(sha256);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
   INSERT INTO counters (name, value) VALUES ('revision', 0);
   CREATE TABLE changes (
     revision INTEGER PRIMARY KEY,
     kind TEXT NOT NULL,
     function_id TEXT NOT NULL,
     version INTEGER,
     function TEXT,
     at TEXT NOT NULL
   ) STRICT;`,
  // 2: the history id (a new one means revisions restarted, so nodes must take a snapshot),
  // and the edge nodes that follow the feed.
  `CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
   INSERT INTO meta (name, value) VALUES ('history_id', lower(hex(randomblob(16))));
   CREATE TABLE nodes (
     id TEXT PRIMARY KEY,
     address TEXT NOT NULL,
     version TEXT NOT NULL,
     applied_revision INTEGER NOT NULL,
     connected INTEGER NOT NULL,
     connected_at TEXT NOT NULL,
     last_seen TEXT NOT NULL,
     problems TEXT NOT NULL
   ) STRICT;`,
  // 3: per-function bounds a node applies (null: the node's default).
  `ALTER TABLE functions ADD COLUMN max_concurrency INTEGER;
   ALTER TABLE functions ADD COLUMN max_body_bytes INTEGER;`,
  // 4: the change feed keeps one row per function, its last change, by id and revision (a
  // deletion stays as a tombstone until pruned); the record itself is read from functions when
  // the feed is sent, so the table grows with the number of functions, not of changes. Nodes
  // whose revision is below compacted_through need a snapshot. Nodes get a key (its SHA-256).
  `CREATE TABLE feed (
     function_id TEXT PRIMARY KEY,
     revision INTEGER NOT NULL UNIQUE,
     kind TEXT NOT NULL,
     version INTEGER,
     at TEXT NOT NULL
   ) STRICT;
   INSERT INTO feed (function_id, revision, kind, version, at)
     SELECT function_id, MAX(revision), kind, version, at FROM changes GROUP BY function_id;
   INSERT INTO counters (name, value)
     VALUES ('compacted_through', COALESCE((SELECT MIN(revision) - 1 FROM changes), (SELECT value FROM counters WHERE name = 'revision')));
   DROP TABLE changes;
   ALTER TABLE feed RENAME TO changes;
   ALTER TABLE nodes ADD COLUMN key_sha256 TEXT;`,
  // 5: every function's routes, indexed by path, so the overlap check at registration is a few
  // index lookups instead of a scan of every function (functions.routes stays the record's copy).
  // key: the exact path, or a prefix route's path up to its '*' ("/a/" for "/a/*").
  `CREATE TABLE routes (
     function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
     pattern TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('exact', 'prefix')),
     key TEXT NOT NULL,
     PRIMARY KEY (function_id, pattern)
   ) STRICT;
   CREATE INDEX routes_by_key ON routes(key, kind);
   INSERT INTO routes (function_id, pattern, kind, key)
     SELECT f.id, r.value,
            CASE WHEN substr(r.value, -2) = '/*' THEN 'prefix' ELSE 'exact' END,
            CASE WHEN substr(r.value, -2) = '/*' THEN substr(r.value, 1, length(r.value) - 1) ELSE r.value END
     FROM functions f, json_each(f.routes) r;`,
  // 6: function secrets, sealed (AES-256-GCM, control/store/secret-box.ts): never a value in
  // clear. json_bytes: the entry's size in the secrets' JSON, for the bound without opening any.
  `CREATE TABLE secrets (
     function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     sealed BLOB NOT NULL,
     json_bytes INTEGER NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (function_id, key)
   ) STRICT;`,
];

/** Migrations that free much space (4 drops the whole records kept per change): compact the file after them. */
const VACUUM_AFTER = 4;

export function openSchema(db: Database): void {
  // WAL: readers never block the writer; FULL: a committed upload survives power loss too.
  db.exec(
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
  );
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current > MIGRATIONS.length)
    throw new Error(`metadata schema ${current} is newer than this control plane (${MIGRATIONS.length}); upgrade it`);
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    }).immediate();
  }
  // VACUUM rewrites the file without its free pages; it cannot run inside a transaction. Best
  // effort: it needs room for a copy, and a full disk must not stop the control plane starting
  // (the free pages are reused by later writes anyway).
  if (current > 0 && current < VACUUM_AFTER && MIGRATIONS.length >= VACUUM_AFTER) {
    try {
      db.exec("VACUUM");
    } catch {
      // left as it is
    }
  }
}
