-- 1: the whole metadata schema of the SQLite store at its schema 6, for PostgreSQL. Text columns
-- keep the API's exact JSON and ISO-8601 times, so both backends give byte-identical records.

-- Ids, names and keys compare as bytes (COLLATE "C"), as in SQLite: pages by id and lists by
-- name come in the same order on both backends, whatever the database's locale.

-- Functions and their versions (numbered per function without gaps: see postgres-metadata-store.ts).
CREATE TABLE functions (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  entrypoint TEXT NOT NULL,
  runtime TEXT NOT NULL,
  memory_pages INTEGER NOT NULL,
  max_execution_ms INTEGER NOT NULL,
  max_concurrency INTEGER,
  max_body_bytes INTEGER,
  env TEXT NOT NULL,
  routes TEXT NOT NULL,
  active_version INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE versions (
  function_id TEXT COLLATE "C" NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (function_id, version)
);
CREATE INDEX versions_sha256 ON versions(sha256);

-- Every function's routes by path, for the overlap check (see sqlite-route-index.ts): key is the
-- exact path, or a prefix route's path up to its '*'. COLLATE "C": byte order, as the range
-- lookup of a prefix assumes.
CREATE TABLE routes (
  function_id TEXT COLLATE "C" NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
  pattern TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('exact', 'prefix')),
  key TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (function_id, pattern)
);
CREATE INDEX routes_by_key ON routes(key, kind);

-- The revision counter: its row is locked by every mutation first, which serializes writers
-- across replicas, so revisions are handed out in commit order (a sequence would not be).
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('revision', 0), ('compacted_through', 0);

-- The change feed: one row per function, its last change (a deletion stays as a tombstone until pruned).
CREATE TABLE changes (
  function_id TEXT COLLATE "C" PRIMARY KEY,
  revision BIGINT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  version INTEGER,
  at TEXT NOT NULL
);

CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (name, value) VALUES ('history_id', md5(random()::text || clock_timestamp()::text));

-- Edge nodes following the feed; replica: the control plane (its data dir's replica id) whose
-- socket the node is on, so one replica's start or a late close never marks another's nodes.
CREATE TABLE nodes (
  id TEXT COLLATE "C" PRIMARY KEY,
  address TEXT NOT NULL,
  version TEXT NOT NULL,
  applied_revision BIGINT NOT NULL,
  connected BOOLEAN NOT NULL,
  connected_at TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  problems TEXT NOT NULL,
  key_sha256 TEXT,
  replica TEXT
);

-- Function secrets, sealed (AES-256-GCM, secret-box.ts): never a value in clear.
CREATE TABLE secrets (
  function_id TEXT COLLATE "C" NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  sealed BYTEA NOT NULL,
  json_bytes INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (function_id, key)
);
