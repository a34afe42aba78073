// The behaviour every MetadataStore backend must have. Run by metadata-store.test.ts per backend:
// functions, routes and versions here, the change feed and snapshots in metadata-store-feed.contract.ts.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { firstOverlap } from "../../core/contract";
import { Prng } from "../pipeline/prng";
import type { MetadataStore } from "../../control/store/metadata-store";
import { metadataStoreFeedContract } from "./metadata-store-feed.contract";
import { metadataStoreApiContract } from "./metadata-store-api.contract";
import { created, SHA_A, SHA_B, type StoreFixture } from "./metadata-store-fixture";
import { functionSpec } from "../helpers/function-spec";

export function metadataStoreContract(backend: string, make: () => StoreFixture | Promise<StoreFixture>): void {
  describe(`MetadataStore contract: ${backend}`, () => {
    let fixture: StoreFixture;
    let store: MetadataStore;
    beforeEach(async () => {
      fixture = await make();
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
      expect(await store.createFunction(functionSpec("hello", { routes: ["/elsewhere"] }))).toEqual({
        ok: false,
        reason: "name_taken",
        name: "hello",
      });
    });

    test("a route overlapping another function's is refused and names the owner", async () => {
      const owner = await created(store, "api", { routes: ["/api/*"] });
      const result = await store.createFunction(functionSpec("users", { routes: ["/users", "/api/users"] }));
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
          const result = await store.createFunction(functionSpec(`f${i}`, { routes }));
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
      const basis = {
        memory_pages: fn.memory_pages,
        entrypoint: fn.entrypoint,
        runtime: fn.runtime,
        active_version: fn.active_version,
      };
      const stale = { ...basis, memory_pages: fn.memory_pages + 1 };
      // A check made under another runtime is as stale as one under another memory cap.
      expect(await store.addVersion(fn.id, { sha256: SHA_A, size: 1 }, true, { ...basis, runtime: "wasi" })).toEqual({
        ok: false,
        reason: "changed_since_check",
      });
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
      const list = await store.listVersions(fn.id, { limit: 10 });
      expect(list.ok && list.value.items.map((v) => [v.version, v.active])).toEqual([
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
      expect(await store.listVersions(fn.id, { limit: 10 })).toEqual({ ok: false, reason: "not_found" });
      expect(await store.referencedArtifacts()).toEqual(new Set());
      expect(await store.deleteFunction(fn.id)).toEqual({ ok: false, reason: "not_found" });
      await created(store, "f");
    });

    test("referencedArtifacts lists each hash some version uses", async () => {
      const a = await created(store, "a");
      const b = await created(store, "b");
      await store.addVersion(a.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(b.id, { sha256: SHA_A, size: 1 }, true);
      await store.addVersion(b.id, { sha256: SHA_B, size: 1 }, false);
      expect(await store.referencedArtifacts()).toEqual(new Set([SHA_A, SHA_B]));
    });

    metadataStoreFeedContract(() => store, make);
    metadataStoreApiContract(() => store);
  });
}
