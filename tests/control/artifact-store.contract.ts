// The behaviour every ArtifactStore backend must have. Run by artifact-store.test.ts per backend.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ArtifactStore } from "../../control/store/artifact-store";
import { sha256 as sha } from "../helpers/sha256";

export interface ArtifactFixture {
  store: ArtifactStore;
  cleanup(): void | Promise<void>;
}

const bytesOf = (text: string) => new TextEncoder().encode(text);

async function put(store: ArtifactStore, ...chunks: Uint8Array[]) {
  const staged = await store.stage();
  for (const chunk of chunks) await staged.write(chunk);
  return staged.publish();
}

export function artifactStoreContract(backend: string, make: () => Promise<ArtifactFixture>): void {
  describe(`ArtifactStore contract: ${backend}`, () => {
    let fixture: ArtifactFixture;
    let store: ArtifactStore;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    test("bytes written in chunks are hashed, published and read back by hash", async () => {
      const whole = bytesOf("hello, artifact store");
      const staged = await store.stage();
      await staged.write(whole.subarray(0, 5));
      await staged.write(whole.subarray(5));
      expect(staged.size).toBe(whole.length);
      expect(await staged.finish()).toEqual({ sha256: sha(whole), size: whole.length });
      expect(await staged.read()).toEqual(whole);
      expect(await store.get(sha(whole))).toBeNull(); // invisible until published
      await staged.publish();
      expect(new Uint8Array(await (await store.get(sha(whole)))!.arrayBuffer())).toEqual(whole);
      expect(await store.list()).toEqual([sha(whole)]);
      expect(store.stats()).toEqual({ count: 1, bytes: whole.length });
    });

    test("the same bytes published twice are stored once", async () => {
      const a = await put(store, bytesOf("same"));
      const b = await put(store, bytesOf("sa"), bytesOf("me"));
      expect(a).toEqual(b);
      expect(await store.list()).toEqual([a.sha256]);
      expect(store.stats().count).toBe(1);
    });

    test("discarded uploads leave nothing and refuse further use", async () => {
      const staged = await store.stage();
      await staged.write(bytesOf("abandoned"));
      await staged.discard();
      await staged.discard();
      expect(await store.list()).toEqual([]);
      await expect(staged.write(bytesOf("more"))).rejects.toThrow();
    });

    test("discard after publish keeps the artifact", async () => {
      const staged = await store.stage();
      await staged.write(bytesOf("kept"));
      const { sha256 } = await staged.publish();
      await staged.discard();
      expect(await store.get(sha256)).not.toBeNull();
    });

    test("get answers null for unknown or malformed hashes", async () => {
      expect(await store.get("0".repeat(64))).toBeNull();
      expect(await store.get("../../etc/passwd")).toBeNull();
      expect(await store.get("A".repeat(64))).toBeNull();
    });

    test("delete removes one artifact and updates stats", async () => {
      const a = await put(store, bytesOf("one"));
      const b = await put(store, bytesOf("two!"));
      await store.delete(a.sha256);
      await store.delete(a.sha256);
      expect(await store.list()).toEqual([b.sha256]);
      expect(store.stats()).toEqual({ count: 1, bytes: 4 });
    });

    test("olderThan: list and delete see only artifacts last published before it", async () => {
      const { sha256 } = await put(store, bytesOf("aged"));
      const hourAgo = new Date(Date.now() - 3_600_000);
      const inAnHour = new Date(Date.now() + 3_600_000);
      expect(await store.list({ olderThan: hourAgo })).toEqual([]);
      expect(await store.list({ olderThan: inAnHour })).toEqual([sha256]);
      await store.delete(sha256, { olderThan: hourAgo }); // published since: kept
      expect(await store.list()).toEqual([sha256]);
      await store.delete(sha256, { olderThan: inAnHour });
      expect(await store.list()).toEqual([]);
      expect(store.stats()).toEqual({ count: 0, bytes: 0 });
    });

    test("empty uploads are allowed (the pipeline, not the store, refuses them)", async () => {
      const empty = await put(store);
      expect(empty).toEqual({ sha256: sha(new Uint8Array()), size: 0 });
    });
  });
}
