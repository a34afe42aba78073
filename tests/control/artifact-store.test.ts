import { expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileArtifactStore } from "../../control/store/file-artifact-store";
import { MemoryArtifactStore } from "../../control/store/memory-artifact-store";
import { artifactStoreContract } from "./artifact-store.contract";
import { tempDir } from "../helpers/temp-dir";

artifactStoreContract("files", async () => {
  const dir = tempDir("edge-artifacts-");
  return { store: await FileArtifactStore.open(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
});

artifactStoreContract("memory", async () => ({ store: new MemoryArtifactStore(), cleanup: () => {} }));

test("files: content-addressed layout, 0600 files, temp files only while uploading", async () => {
  const dir = tempDir("edge-artifacts-");
  const store = await FileArtifactStore.open(dir);
  const staged = await store.stage();
  await staged.write(new TextEncoder().encode("module bytes"));
  expect(readdirSync(join(dir, "tmp"))).toHaveLength(1);
  const { sha256 } = await staged.publish();
  expect(readdirSync(join(dir, "tmp"))).toEqual([]);
  const path = join(dir, "artifacts", sha256.slice(0, 2), sha256);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  rmSync(dir, { recursive: true, force: true });
});

test("files: opening the store removes leftover temp files and counts what is stored", async () => {
  const dir = tempDir("edge-artifacts-");
  const first = await FileArtifactStore.open(dir);
  const staged = await first.stage();
  await staged.write(new Uint8Array(100));
  await staged.publish();
  writeFileSync(join(dir, "tmp", "upload-crashed"), "partial");
  const second = await FileArtifactStore.open(dir);
  expect(existsSync(join(dir, "tmp", "upload-crashed"))).toBe(false);
  expect(second.stats()).toEqual({ count: 1, bytes: 100 });
  rmSync(dir, { recursive: true, force: true });
});
