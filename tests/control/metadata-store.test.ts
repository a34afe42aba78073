import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { tempDir } from "./helpers";
import { metadataStoreContract, spec } from "./metadata-store.contract";

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
  const created = await first.createFunction(spec("kept"));
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

test("sqlite: migration 4 indexes the routes of functions made before it, and the overlap check sees them", async () => {
  const dir = tempDir("edge-meta-");
  const path = join(dir, "metadata.sqlite");
  const first = new SqliteMetadataStore(path);
  const created = await first.createFunction(spec("older", { routes: ["/older", "/shared/*"] }));
  if (!created.ok) throw new Error("create failed");
  first.close();
  // As a data dir from before the routes table: schema 3, no routes table.
  const old = new Database(path);
  old.exec("DROP TABLE routes; PRAGMA user_version = 3;");
  old.close();
  const second = new SqliteMetadataStore(path);
  expect(await second.createFunction(spec("newer", { routes: ["/shared/x"] }))).toMatchObject({ ok: false, reason: "route_taken", owner: { name: "older", route: "/shared/*" } });
  expect((await second.createFunction(spec("newer", { routes: ["/newer"] }))).ok).toBe(true);
  second.close();
  rmSync(dir, { recursive: true, force: true });
});
