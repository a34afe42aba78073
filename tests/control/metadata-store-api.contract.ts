// The MetadataStore contract's lookups by name, If-Match preconditions, version pages and version
// retention: tests inside metadataStoreContract's describe, on the store its beforeEach made.
import { expect, test } from "bun:test";
import { functionEtag } from "../../control/store/function-etag";
import type { MetadataStore } from "../../control/store/metadata-store";
import { created, SHA_A, SHA_B } from "./metadata-store-fixture";

const SHA_C = "c".repeat(64);

export function metadataStoreApiContract(current: () => MetadataStore): void {
  test("getFunctionByName finds the function of that name, null for none", async () => {
    const store = current();
    const fn = await created(store, "by-name");
    expect(await store.getFunctionByName("by-name")).toEqual(fn);
    expect(await store.getFunctionByName("other")).toBeNull();
    await store.updateFunction(fn.id, { name: "renamed" });
    expect(await store.getFunctionByName("by-name")).toBeNull();
    expect((await store.getFunctionByName("renamed"))!.id).toBe(fn.id);
  });

  test("If-Match: update and delete only when the function's ETag is listed; a refusal changes nothing", async () => {
    const store = current();
    const fn = await created(store, "guarded");
    const tag = functionEtag(fn);
    expect(functionEtag((await store.getFunction(fn.id))!)).toBe(tag);
    const revision = await store.revision();
    const refused = { ok: false, reason: "precondition_failed" } as const;
    expect(await store.updateFunction(fn.id, { max_execution_ms: 9 }, undefined, ['"stale"'])).toEqual(refused);
    expect(await store.deleteFunction(fn.id, [])).toEqual(refused);
    expect(await store.revision()).toBe(revision);
    const updated = await store.updateFunction(fn.id, { max_execution_ms: 9 }, undefined, ['"x"', tag]);
    if (!updated.ok) throw new Error(updated.reason);
    expect(functionEtag(updated.value)).not.toBe(tag);
    expect(await store.deleteFunction(fn.id, [tag])).toEqual(refused);
    expect((await store.deleteFunction(fn.id, [functionEtag(updated.value)])).ok).toBe(true);
  });

  test("listVersions pages oldest first: limit, after, next", async () => {
    const store = current();
    const fn = await created(store, "paged");
    for (const sha of [SHA_A, SHA_B, SHA_C]) await store.addVersion(fn.id, { sha256: sha, size: 1 }, true);
    const first = await store.listVersions(fn.id, { limit: 2 });
    if (!first.ok) throw new Error(first.reason);
    expect(first.value.items.map((v) => [v.version, v.active])).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(first.value.next).toBe(2);
    const rest = await store.listVersions(fn.id, { limit: 2, after: 2 });
    expect(rest).toMatchObject({ ok: true, value: { items: [{ version: 3, active: true }], next: null } });
    expect(await store.listVersions(fn.id, { limit: 3 })).toMatchObject({ ok: true, value: { next: null } });
  });

  test("pruneVersions keeps the newest N and the active one, returns what it deleted, adds no revision", async () => {
    const store = current();
    const fn = await created(store, "pruned");
    await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true);
    for (const sha of [SHA_B, SHA_C, SHA_B]) await store.addVersion(fn.id, { sha256: sha, size: 1 }, false);
    const revision = await store.revision();
    const result = await store.pruneVersions(fn.id, 2);
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.map((v) => [v.version, v.sha256])).toEqual([[2, SHA_B]]);
    const left = await store.listVersions(fn.id, { limit: 10 });
    expect(left.ok && left.value.items.map((v) => v.version)).toEqual([1, 3, 4]);
    expect(await store.revision()).toBe(revision);
    expect(await store.artifactReferenced(SHA_B)).toBe(true); // version 4
    await store.activateVersion(fn.id, 4);
    const next = await store.pruneVersions(fn.id, 1);
    expect(next.ok && next.value.map((v) => v.version)).toEqual([1, 3]);
    expect(await store.artifactReferenced(SHA_A)).toBe(false);
    expect(await store.artifactReferenced(SHA_C)).toBe(false);
    expect(await store.pruneVersions("missing", 1)).toEqual({ ok: false, reason: "not_found" });
  });
}
