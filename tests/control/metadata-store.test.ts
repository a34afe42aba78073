import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DeployedFunction } from "../../core/contract";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { SqliteNodeStore } from "../../control/store/sqlite-node-store";
import { metadataStoreContract } from "./metadata-store.contract";
import { functionSpec } from "../helpers/function-spec";
import { tempDir } from "../helpers/temp-dir";

metadataStoreContract("sqlite file", () => {
  const dir = tempDir("edge-meta-");
  const store = new SqliteMetadataStore(join(dir, "metadata.sqlite"));
  return { store, cleanup: () => (store.close(), rmSync(dir, { recursive: true, force: true })) };
});

metadataStoreContract("sqlite :memory:", () => {
  const store = new SqliteMetadataStore(":memory:");
  return { store, cleanup: () => store.close() };
});

test("sqlite: reopening the file keeps functions, versions and the revision", async () => {
  const dir = tempDir("edge-meta-");
  const path = join(dir, "metadata.sqlite");
  const first = new SqliteMetadataStore(path);
  const created = await first.createFunction(functionSpec("kept"));
  if (!created.ok) throw new Error("create failed");
  await first.addVersion(created.value.id, { sha256: "c".repeat(64), size: 3 }, true);
  first.close();
  const second = new SqliteMetadataStore(path);
  expect((await second.getFunction(created.value.id))!.active_version).toBe(1);
  expect(await second.revision()).toBe(2);
  const journal = second["db"].query("PRAGMA journal_mode").get() as { journal_mode: string };
  expect(journal.journal_mode).toBe("wal");
  second.close();
  rmSync(dir, { recursive: true, force: true });
});

test("sqlite: migration 5 indexes the routes of functions made before it, and the overlap check sees them", async () => {
  const dir = tempDir("edge-meta-");
  const path = join(dir, "metadata.sqlite");
  const first = new SqliteMetadataStore(path);
  const created = await first.createFunction(functionSpec("older", { routes: ["/older", "/shared/*"] }));
  if (!created.ok) throw new Error("create failed");
  first.close();
  // As a data dir from before the routes table: schema 4, no routes (nor secrets) table.
  const old = new Database(path);
  old.exec("DROP TABLE routes; DROP TABLE secrets; PRAGMA user_version = 4;");
  old.close();
  const second = new SqliteMetadataStore(path);
  expect(await second.createFunction(functionSpec("newer", { routes: ["/shared/x"] }))).toMatchObject({
    ok: false,
    reason: "route_taken",
    owner: { name: "older", route: "/shared/*" },
  });
  expect((await second.createFunction(functionSpec("newer", { routes: ["/newer"] }))).ok).toBe(true);
  second.close();
});

test("sqlite: a data dir of the previous release (schema 3, a whole record per change) migrates to one row per function and shrinks", async () => {
  const dir = tempDir("edge-meta-");
  const path = join(dir, "metadata.sqlite");
  // The previous release's file, as its migrations 1-3 left it, with 40 changes of one function
  // whose env is 1 MB (the case, smaller): every change row held the whole record.
  const old = new Database(path, { create: true });
  old.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE functions (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, entrypoint TEXT NOT NULL, runtime TEXT NOT NULL, memory_pages INTEGER NOT NULL, max_execution_ms INTEGER NOT NULL,
      env TEXT NOT NULL, routes TEXT NOT NULL, active_version INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, max_concurrency INTEGER, max_body_bytes INTEGER) STRICT;
    CREATE TABLE versions (function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE, version INTEGER NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (function_id, version)) STRICT;
    CREATE INDEX versions_sha256 ON versions(sha256);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
    CREATE TABLE changes (revision INTEGER PRIMARY KEY, kind TEXT NOT NULL, function_id TEXT NOT NULL, version INTEGER, function TEXT, at TEXT NOT NULL) STRICT;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    INSERT INTO meta (name, value) VALUES ('history_id', 'h-old');
    CREATE TABLE nodes (id TEXT PRIMARY KEY, address TEXT NOT NULL, version TEXT NOT NULL, applied_revision INTEGER NOT NULL, connected INTEGER NOT NULL, connected_at TEXT NOT NULL, last_seen TEXT NOT NULL, problems TEXT NOT NULL) STRICT;
    PRAGMA user_version = 3;`);
  const at = "2025-01-01T00:00:00.000Z";
  const record = {
    id: "f1",
    name: "big",
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    max_concurrency: null,
    max_body_bytes: null,
    env: { V: "v".repeat(1_000_000) },
    routes: ["/big"],
    active_version: null,
    created_at: at,
    updated_at: at,
  };
  old
    .query("INSERT INTO functions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    .run("f1", "big", "handle", "wasm", 16, 500, JSON.stringify(record.env), '["/big"]', null, at, at, null, null);
  // Revisions 1-3 pruned by the old retention; 4-43 kept, the last a deletion of another function.
  for (let revision = 4; revision <= 42; revision++)
    old
      .query("INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?)")
      .run(revision, "function.updated", "f1", null, JSON.stringify({ ...record, max_execution_ms: revision }), at);
  old.query("INSERT INTO changes VALUES (43, 'function.deleted', 'f2', NULL, NULL, ?)").run(at);
  old.query("INSERT INTO counters VALUES ('revision', 43)").run();
  old.query("INSERT INTO nodes VALUES ('edge-1', 'http://e:1', '0.1.0', 40, 0, ?, ?, '[]')").run(at, at);
  old.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  old.close();
  const before = statSync(path).size;
  expect(before).toBeGreaterThan(39_000_000);

  const store = new SqliteMetadataStore(path);
  expect(await store.revision()).toBe(43);
  expect(await store.historyId()).toBe("h-old");
  // A node at revision 3 or later could resume; one behind it needs a snapshot, as before.
  expect(await store.compactedThrough()).toBe(3);
  const page = await store.changesSince(3, 1 << 24);
  expect(
    page.entries.map((e) => [
      e.revision,
      e.functionId,
      e.json === null ? null : (JSON.parse(e.json) as DeployedFunction).function.env.V!.length,
    ]),
  ).toEqual([
    [42, "f1", 1_000_000],
    [43, "f2", null],
  ]);
  const nodes = new SqliteNodeStore(path);
  expect(await nodes.keyOf("edge-1")).toBeNull(); // recorded before keys: the node's first key claims it
  nodes.close();
  store.close();
  const after = statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
  expect(after).toBeLessThan(3_000_000);
  rmSync(dir, { recursive: true, force: true });
});
