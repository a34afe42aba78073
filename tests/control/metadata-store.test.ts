import { expect, test } from "bun:test";
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
