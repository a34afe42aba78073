// The behaviour every MetadataStore backend must have. Run by metadata-store.test.ts per backend.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { firstOverlap, type DeployedFunction, type FunctionSpec } from "../../core/contract";
import { Prng } from "../pipeline/prng";
import type { MetadataStore } from "../../control/store/metadata-store";

export interface StoreFixture {
  store: MetadataStore;
  cleanup(): void;
}

/** The feed hands out entries as JSON text. */
const parsed = (json: string | null): DeployedFunction | null =>
  json === null ? null : (JSON.parse(json) as DeployedFunction);
const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

export function spec(name: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    max_concurrency: null,
    max_body_bytes: null,
    env: {},
    routes: [`/${name}`, `/${name}/*`],
    ...overrides,
  };
}

async function created(store: MetadataStore, name: string, overrides: Partial<FunctionSpec> = {}) {
  const result = await store.createFunction(spec(name, overrides));
  if (!result.ok) throw new Error(`create ${name}: ${result.reason}`);
  return result.value;
}

export function metadataStoreContract(backend: string, make: () => StoreFixture): void {
  describe(`MetadataStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let store: MetadataStore;
    beforeEach(() => {
      fixture = make();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    test("create assigns id and timestamps and returns what get returns", async () => {
      const fn = await created(store, "hello", { env: { A: "1" } });
      expect(fn.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(fn.active_version).toBeNull();
      expect(fn.created_at).toBe(fn.updated_at);
      expect(await store.getFunction(fn.id)).toEqual(fn);
      expect(await store.getFunction("missing")).toBeNull();
    });

    test("a taken name is refused, whatever the routes", async () => {
      await created(store, "hello");
      expect(await store.createFunction(spec("hello", { routes: ["/elsewhere"] }))).toEqual({
        ok: false,
        reason: "name_taken",
        name: "hello",
      });
    });

    test("a route overlapping another function's is refused and names the owner", async () => {
      const owner = await created(store, "api", { routes: ["/api/*"] });
      const result = await store.createFunction(spec("users", { routes: ["/users", "/api/users"] }));
      expect(result).toEqual({
        ok: false,
        reason: "route_taken",
        route: "/api/users",
        owner: { id: owner.id, name: "api", route: "/api/*" },
      });
      expect(await store.countFunctions()).toBe(1);
    });

    test("the route check refuses exactly the routes routesOverlap says overlap: seeded random routes, creates, updates and deletes", async () => {
      const random = new Prng(18);
      const segment = () => ["a", "b", "ab", "%41"][random.int(4)]!;
      const route = () => {
        const path = `/${Array.from({ length: random.int(3) }, segment).join("/")}`;
        return random.int(2) ? (path === "/" ? "/*" : `${path}/*`) : path;
      };
      const live = new Map<string, { name: string; routes: string[] }>();
      for (let i = 0; i < 300; i++) {
        const routes = [...new Set([route(), route()])];
        const clash = [...live.values()].find((other) => firstOverlap(routes, other.routes));
        const action = random.int(10);
        if (action < 7 || live.size === 0) {
          const result = await store.createFunction(spec(`f${i}`, { routes }));
          expect({ i, routes, ok: result.ok }).toEqual({ i, routes, ok: !clash });
          if (result.ok) live.set(result.value.id, { name: result.value.name, routes });
        } else if (action < 9) {
          const id = [...live.keys()][random.int(live.size)]!;
          const others = [...live].filter(([other]) => other !== id).map(([, fn]) => fn);
          const expected = !others.some((other) => firstOverlap(routes, other.routes));
          const result = await store.updateFunction(id, { routes });
          expect({ i, routes, ok: result.ok }).toEqual({ i, routes, ok: expected });
          if (result.ok) live.get(id)!.routes = routes;
        } else {
          const id = [...live.keys()][random.int(live.size)]!;
          expect((await store.deleteFunction(id)).ok).toBe(true);
          live.delete(id);
        }
      }
      expect(await store.countFunctions()).toBe(live.size);
    });

    test("a write that depends on a module check is refused when the function changed since, and changes nothing", async () => {
      const fn = await created(store, "checked");
      const basis = { memory_pages: fn.memory_pages, entrypoint: fn.entrypoint, active_version: fn.active_version };
      const stale = { ...basis, memory_pages: fn.memory_pages + 1 };
      const revision = await store.revision();
      expect(await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true, stale)).toEqual({
        ok: false,
        reason: "changed_since_check",
      });
      expect(await store.revision()).toBe(revision);
      // Not activated: nothing depends on the check.
      expect(await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, false, stale)).toMatchObject({
        ok: true,
        value: { version: 1, active: false },
      });
      expect(await store.activateVersion(fn.id, 1, stale)).toEqual({ ok: false, reason: "changed_since_check" });
      expect(await store.activateVersion(fn.id, 1, basis)).toMatchObject({ ok: true, value: { active_version: 1 } });
      // New limits checked against no active version, but version 1 is active now.
      expect(await store.updateFunction(fn.id, { memory_pages: 8 }, basis)).toEqual({
        ok: false,
        reason: "changed_since_check",
      });
      expect(await store.updateFunction(fn.id, { memory_pages: 8 }, { ...basis, active_version: 1 })).toMatchObject({
        ok: true,
        value: { memory_pages: 8 },
      });
      expect(
        await store.addVersion(fn.id, { sha256: SHA_B, size: 1 }, true, { ...basis, memory_pages: 8 }),
      ).toMatchObject({ ok: true, value: { version: 2, active: true } });
    });

    test("list pages in registration order", async () => {
      const names = ["a", "b", "c", "d", "e"];
      for (const name of names) await created(store, name);
      const first = await store.listFunctions({ limit: 2 });
      expect(first.items.map((f) => f.name)).toEqual(["a", "b"]);
      const second = await store.listFunctions({ limit: 2, after: first.next! });
      expect(second.items.map((f) => f.name)).toEqual(["c", "d"]);
      const last = await store.listFunctions({ limit: 2, after: second.next! });
      expect(last.items.map((f) => f.name)).toEqual(["e"]);
      expect(last.next).toBeNull();
    });

    test("update changes only given fields and keeps uniqueness", async () => {
      const a = await created(store, "a");
      await created(store, "b");
      const updated = await store.updateFunction(a.id, { max_execution_ms: 900, env: { X: "y" } });
      expect(updated.ok && updated.value).toMatchObject({
        name: "a",
        max_execution_ms: 900,
        env: { X: "y" },
        memory_pages: 16,
      });
      expect(await store.updateFunction(a.id, { name: "b" })).toMatchObject({ ok: false, reason: "name_taken" });
      expect(await store.updateFunction(a.id, { routes: ["/b/x"] })).toMatchObject({
        ok: false,
        reason: "route_taken",
      });
      // Its own routes never conflict with themselves.
      expect((await store.updateFunction(a.id, { routes: ["/a", "/a/*"] })).ok).toBe(true);
      expect(await store.updateFunction("missing", { max_execution_ms: 1 })).toEqual({
        ok: false,
        reason: "not_found",
      });
    });

    test("versions number 1, 2, 3 per function and activation follows the flag", async () => {
      const fn = await created(store, "f");
      const v1 = await store.addVersion(fn.id, { sha256: SHA_A, size: 10 }, true);
      const v2 = await store.addVersion(fn.id, { sha256: SHA_B, size: 20 }, false);
      expect(v1).toMatchObject({ ok: true, value: { version: 1, active: true, sha256: SHA_A, size: 10 } });
      expect(v2).toMatchObject({ ok: true, value: { version: 2, active: false } });
      expect((await store.getFunction(fn.id))!.active_version).toBe(1);
      const list = await store.listVersions(fn.id);
      expect(list.ok && list.value.map((v) => [v.version, v.active])).toEqual([
        [1, true],
        [2, false],
      ]);
      const other = await created(store, "g");
      expect(await store.addVersion(other.id, { sha256: SHA_A, size: 10 }, true)).toMatchObject({
        ok: true,
        value: { version: 1 },
      });
      expect(await store.addVersion("missing", { sha256: SHA_A, size: 1 }, true)).toEqual({
        ok: false,
        reason: "not_found",
      });
    });

    test("concurrent addVersion calls get distinct versions", async () => {
      const fn = await created(store, "f");
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.addVersion(fn.id, { sha256: SHA_A, size: i }, true)),
      );
      const versions = results.map((r) => (r.ok ? r.value.version : -1)).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    test("activate rolls back and forward; unknown versions are refused", async () => {
      const fn = await created(store, "f");
      await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(fn.id, { sha256: SHA_B, size: 2 }, true);
      expect(await store.activateVersion(fn.id, 1)).toMatchObject({ ok: true, value: { active_version: 1 } });
      expect((await store.getVersion(fn.id, 1))!.active).toBe(true);
      expect((await store.getVersion(fn.id, 2))!.active).toBe(false);
      expect(await store.activateVersion(fn.id, 3)).toEqual({ ok: false, reason: "version_not_found", version: 3 });
      expect(await store.activateVersion("missing", 1)).toEqual({ ok: false, reason: "not_found" });
      expect(await store.getVersion(fn.id, 9)).toBeNull();
    });

    test("delete removes the function and its versions and frees name and routes", async () => {
      const fn = await created(store, "f");
      await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true);
      expect(await store.deleteFunction(fn.id)).toMatchObject({ ok: true, value: { id: fn.id } });
      expect(await store.getFunction(fn.id)).toBeNull();
      expect(await store.listVersions(fn.id)).toEqual({ ok: false, reason: "not_found" });
      expect(await store.referencedArtifacts()).toEqual(new Set());
      expect(await store.deleteFunction(fn.id)).toEqual({ ok: false, reason: "not_found" });
      await created(store, "f");
    });

    test("every mutation bumps the revision once; the feed keeps one entry per function, its last change, as it is now", async () => {
      expect(await store.revision()).toBe(0);
      const fn = await created(store, "f");
      await store.updateFunction(fn.id, { max_execution_ms: 5 });
      await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(fn.id, { sha256: SHA_B, size: 1 }, false);
      await store.activateVersion(fn.id, 2);
      await store.activateVersion(fn.id, 2); // already active: no change
      await store.createFunction(spec("f")); // refused: no change
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
        parsed((await store.snapshotPage(null, 1 << 20)).entries.find((e) => e.functionId === b.id)!.json)!.function
          .env,
      ).toEqual({ A: 'é"\\😀\n', B: "x" });
    });

    test("pruneDeletions keeps the newest deletions; compactedThrough says which nodes need a snapshot", async () => {
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
      const id = await store.historyId();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      await created(store, "a");
      expect(await store.historyId()).toBe(id);
      const other = make();
      try {
        expect(await other.store.historyId()).not.toBe(id);
      } finally {
        other.cleanup();
      }
    });

    test("referencedArtifacts lists each hash some version uses", async () => {
      const a = await created(store, "a");
      const b = await created(store, "b");
      await store.addVersion(a.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(b.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(b.id, { sha256: SHA_B, size: 1 }, false);
      expect(await store.referencedArtifacts()).toEqual(new Set([SHA_A, SHA_B]));
    });
  });
}
