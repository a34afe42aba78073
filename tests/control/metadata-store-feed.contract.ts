// The MetadataStore contract's change feed, snapshot pages, pruning and history id: tests inside
// metadataStoreContract's describe (metadata-store.contract.ts), on the store its beforeEach made.
import { expect, test } from "bun:test";
import type { DeployedFunction } from "../../core/contract";
import type { MetadataStore } from "../../control/store/metadata-store";
import { created, SHA_A, SHA_B, type StoreFixture } from "./metadata-store-fixture";
import { functionSpec } from "../helpers/function-spec";

/** The feed hands out entries as JSON text. */
const parsed = (json: string | null): DeployedFunction | null =>
  json === null ? null : (JSON.parse(json) as DeployedFunction);

export function metadataStoreFeedContract(
  current: () => MetadataStore,
  make: () => StoreFixture | Promise<StoreFixture>,
): void {
  test("every mutation bumps the revision once; the feed keeps one entry per function, its last change, as it is now", async () => {
    const store = current();
    expect(await store.revision()).toBe(0);
    const fn = await created(store, "f");
    await store.updateFunction(fn.id, { max_execution_ms: 5 });
    await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true);
    await store.addVersion(fn.id, { sha256: SHA_B, size: 1 }, false);
    await store.activateVersion(fn.id, 2);
    await store.activateVersion(fn.id, 2); // already active: no change
    await store.createFunction(functionSpec("f")); // refused: no change
    const other = await created(store, "g");
    expect(await store.revision()).toBe(6);
    const page = await store.changesSince(0, 1 << 20);
    expect(page.more).toBe(false);
    expect(page.entries.map((e) => [e.revision, e.functionId])).toEqual([
      [5, fn.id],
      [6, other.id],
    ]);
    expect(parsed(page.entries[0]!.json)).toEqual({
      function: (await store.getFunction(fn.id))!,
      artifact: { version: 2, sha256: SHA_B, size: 1 },
      revision: 5,
    });
    expect((await store.changesSince(5, 1 << 20)).entries.map((e) => e.revision)).toEqual([6]);
    expect((await store.changesSince(6, 1 << 20)).entries).toEqual([]);
    await store.deleteFunction(fn.id);
    const after = (await store.changesSince(5, 1 << 20)).entries;
    expect(after.map((e) => [e.revision, e.functionId, parsed(e.json)?.revision ?? null])).toEqual([
      [6, other.id, 6],
      [7, fn.id, null],
    ]);
  });

  test("feed pages stop at the byte budget (at least one entry each) and say when there is more", async () => {
    const store = current();
    const env = { BIG: "x".repeat(10_000) };
    for (const name of ["a", "b", "c", "d", "e"]) await created(store, name, { env });
    const seen: number[] = [];
    let after = 0;
    for (let pages = 0; ; pages++) {
      const page = await store.changesSince(after, 25_000);
      expect(page.entries.length).toBeGreaterThan(0);
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.revision));
      after = page.entries[page.entries.length - 1]!.revision;
      if (!page.more) break;
      expect(pages).toBeLessThan(5);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect((await store.changesSince(0, 1)).entries.length).toBe(1);
  });

  test("snapshot pages: every function by id with its active version and last change, within the byte budget", async () => {
    const store = current();
    const a = await created(store, "a");
    const b = await created(store, "b", { env: { BIG: "y".repeat(10_000) } });
    await store.addVersion(a.id, { sha256: SHA_A, size: 10 }, true);
    await store.addVersion(a.id, { sha256: SHA_B, size: 20 }, false);
    const all = await store.snapshotPage(null, 1 << 20);
    expect(all.more).toBe(false);
    const byName = Object.fromEntries(all.entries.map((e) => parsed(e.json)!).map((f) => [f.function.name, f]));
    expect(byName.a!.artifact).toEqual({ version: 1, sha256: SHA_A, size: 10 });
    expect(byName.a!.function).toEqual((await store.getFunction(a.id))!);
    expect(byName.a!.revision).toBe(4);
    expect(byName.b!.artifact).toBeNull();
    expect(byName.b!.function.id).toBe(b.id);
    await store.activateVersion(a.id, 2);
    expect(
      parsed((await store.snapshotPage(null, 1 << 20)).entries.find((e) => e.functionId === a.id)!.json)!.artifact,
    ).toEqual({ version: 2, sha256: SHA_B, size: 20 });
    const ids = [a.id, b.id].sort();
    const first = await store.snapshotPage(null, 1);
    expect([first.entries.map((e) => e.functionId), first.more]).toEqual([[ids[0]], true]);
    const second = await store.snapshotPage(ids[0]!, 1);
    expect([second.entries.map((e) => e.functionId), second.more]).toEqual([[ids[1]], false]);
    expect(second.entries[0]!.revision).toBe(parsed(second.entries[0]!.json)!.revision!);
    // The size is the JSON's in UTF-8, whatever the characters.
    await store.updateFunction(b.id, { env: { A: 'é"\\😀\n', B: "x" } });
    for (const entry of [
      ...(await store.snapshotPage(null, 1 << 20)).entries,
      ...(await store.changesSince(0, 1 << 20)).entries,
    ]) {
      expect(entry.bytes).toBe(Buffer.byteLength(entry.json!));
    }
    expect(
      parsed((await store.snapshotPage(null, 1 << 20)).entries.find((e) => e.functionId === b.id)!.json)!.function.env,
    ).toEqual({ A: 'é"\\😀\n', B: "x" });
  });

  test("pruneDeletions keeps the newest deletions; compactedThrough says which nodes need a snapshot", async () => {
    const store = current();
    expect(await store.compactedThrough()).toBe(0);
    const ids: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) ids.push((await created(store, name)).id);
    for (const id of ids.slice(0, 3)) await store.deleteFunction(id); // revisions 6, 7, 8
    expect(await store.pruneDeletions(1)).toBe(2);
    expect(await store.compactedThrough()).toBe(7);
    expect((await store.changesSince(0, 1 << 20)).entries.map((e) => [e.revision, e.json === null])).toEqual([
      [4, false],
      [5, false],
      [8, true],
    ]);
    expect(await store.pruneDeletions(1)).toBe(0);
    expect(await store.compactedThrough()).toBe(7);
    expect(await store.revision()).toBe(8);
  });

  test("historyId is stable for a store and differs between stores", async () => {
    const store = current();
    const id = await store.historyId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await created(store, "a");
    expect(await store.historyId()).toBe(id);
    const other = await make();
    try {
      expect(await other.store.historyId()).not.toBe(id);
    } finally {
      await other.cleanup();
    }
  });
}
