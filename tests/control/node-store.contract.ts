// The behaviour every NodeStore backend must have. Run by node-store.test.ts per backend.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { NodeIdentity, NodeStore } from "../../control/store/node-store";

const node = (id: string, address = `http://${id}:3000`, version = "0.1.0", keySha256 = `${id}-key`): NodeIdentity => ({
  id,
  address,
  version,
  keySha256,
});
const all = { limit: 1000 };

export interface NodeFixture {
  store: NodeStore;
  cleanup(): void | Promise<void>;
}

export function nodeStoreContract(backend: string, make: () => NodeFixture | Promise<NodeFixture>): void {
  describe(`NodeStore contract: ${backend}`, () => {
    let fixture: NodeFixture;
    let store: NodeStore;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());
    const t0 = new Date("2025-01-01T00:00:00.000Z");
    const t1 = new Date("2025-01-01T00:00:05.000Z");

    test("a node that connects is listed as connected at the revision it reported; its key hash is kept, never listed", async () => {
      await store.connected(node("b"), 3, t0);
      await store.connected(node("a"), 7, t0);
      expect(await store.list(all)).toEqual({
        items: [
          {
            id: "a",
            address: "http://a:3000",
            version: "0.1.0",
            applied_revision: 7,
            connected: true,
            connected_at: t0.toISOString(),
            last_seen: t0.toISOString(),
            problems: [],
          },
          {
            id: "b",
            address: "http://b:3000",
            version: "0.1.0",
            applied_revision: 3,
            connected: true,
            connected_at: t0.toISOString(),
            last_seen: t0.toISOString(),
            problems: [],
          },
        ],
        next: null,
      });
      expect(await store.keyOf("a")).toBe("a-key");
      expect(await store.keyOf("nobody")).toBeUndefined();
      expect(await store.count()).toBe(2);
    });

    test("applied moves the revision and replaces the problems; disconnect keeps the record", async () => {
      await store.connected(node("a"), 1, t0);
      const problem = { function_id: "f", version: 2, reason: "sha256 mismatch" };
      await store.applied("a", 4, [problem], t1);
      expect((await store.list(all)).items[0]).toMatchObject({
        applied_revision: 4,
        problems: [problem],
        last_seen: t1.toISOString(),
        connected_at: t0.toISOString(),
      });
      await store.applied("a", 5, [], t1);
      await store.disconnected("a", t1);
      expect((await store.list(all)).items[0]).toMatchObject({ applied_revision: 5, problems: [], connected: false });
      await store.connected(node("a", "http://a:4000", "0.2.0"), 5, t1);
      expect((await store.list(all)).items[0]).toMatchObject({
        address: "http://a:4000",
        version: "0.2.0",
        connected: true,
        connected_at: t1.toISOString(),
      });
    });

    test("disconnectAll marks every node disconnected", async () => {
      await store.connected(node("a"), 1, t0);
      await store.connected(node("b"), 1, t0);
      await store.disconnectAll(t1);
      expect((await store.list(all)).items.map((n) => n.connected)).toEqual([false, false]);
    });

    test("updates for unknown nodes change nothing", async () => {
      await store.applied("ghost", 1, [], t0);
      await store.disconnected("ghost", t0);
      expect(await store.list(all)).toEqual({ items: [], next: null });
    });

    test("the list pages by id", async () => {
      for (const id of ["e", "c", "a", "d", "b"]) await store.connected(node(id), 1, t0);
      const first = await store.list({ limit: 2 });
      expect([first.items.map((n) => n.id), first.next]).toEqual([["a", "b"], "b"]);
      const second = await store.list({ limit: 2, after: first.next! });
      expect(second.items.map((n) => n.id)).toEqual(["c", "d"]);
      const last = await store.list({ limit: 2, after: second.next! });
      expect([last.items.map((n) => n.id), last.next]).toEqual([["e"], null]);
    });

    test("expire forgets disconnected nodes not seen since the cut-off, never connected ones; remove forgets one", async () => {
      const old = new Date("2024-12-01T00:00:00.000Z");
      await store.connected(node("gone"), 1, old);
      await store.disconnected("gone", old);
      await store.connected(node("recent"), 1, old);
      await store.disconnected("recent", t1);
      await store.connected(node("live"), 1, old);
      expect(await store.expire(t0)).toBe(1);
      expect((await store.list(all)).items.map((n) => n.id)).toEqual(["live", "recent"]);
      expect(await store.keyOf("gone")).toBeUndefined();
      expect(await store.remove("recent")).toBe(true);
      expect(await store.remove("recent")).toBe(false);
      expect(await store.count()).toBe(1);
    });
  });
}
