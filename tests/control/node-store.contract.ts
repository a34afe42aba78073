// The behaviour every NodeStore backend must have. Run by node-store.test.ts per backend.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { NodeStore } from "../../control/store/node-store";

export function nodeStoreContract(backend: string, make: () => { store: NodeStore; cleanup(): void }): void {
  describe(`NodeStore contract: ${backend}`, () => {
    let fixture: { store: NodeStore; cleanup(): void };
    let store: NodeStore;
    beforeEach(() => {
      fixture = make();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());
    const t0 = new Date("2025-01-01T00:00:00.000Z");
    const t1 = new Date("2025-01-01T00:00:05.000Z");

    test("a node that connects is listed as connected at the revision it reported", async () => {
      await store.connected({ id: "b", address: "http://b:3000", version: "0.1.0" }, 3, t0);
      await store.connected({ id: "a", address: "http://a:3000", version: "0.1.0" }, 7, t0);
      expect(await store.list()).toEqual([
        { id: "a", address: "http://a:3000", version: "0.1.0", applied_revision: 7, connected: true, connected_at: t0.toISOString(), last_seen: t0.toISOString(), problems: [] },
        { id: "b", address: "http://b:3000", version: "0.1.0", applied_revision: 3, connected: true, connected_at: t0.toISOString(), last_seen: t0.toISOString(), problems: [] },
      ]);
    });

    test("applied moves the revision and replaces the problems; disconnect keeps the record", async () => {
      await store.connected({ id: "a", address: "http://a:3000", version: "0.1.0" }, 1, t0);
      const problem = { function_id: "f", version: 2, reason: "sha256 mismatch" };
      await store.applied("a", 4, [problem], t1);
      expect((await store.list())[0]).toMatchObject({ applied_revision: 4, problems: [problem], last_seen: t1.toISOString(), connected_at: t0.toISOString() });
      await store.applied("a", 5, [], t1);
      await store.disconnected("a", t1);
      expect((await store.list())[0]).toMatchObject({ applied_revision: 5, problems: [], connected: false });
      await store.connected({ id: "a", address: "http://a:4000", version: "0.2.0" }, 5, t1);
      expect((await store.list())[0]).toMatchObject({ address: "http://a:4000", version: "0.2.0", connected: true, connected_at: t1.toISOString() });
    });

    test("disconnectAll marks every node disconnected", async () => {
      await store.connected({ id: "a", address: "x", version: "1" }, 1, t0);
      await store.connected({ id: "b", address: "y", version: "1" }, 1, t0);
      await store.disconnectAll(t1);
      expect((await store.list()).map((n) => n.connected)).toEqual([false, false]);
    });

    test("updates for unknown nodes change nothing", async () => {
      await store.applied("ghost", 1, [], t0);
      await store.disconnected("ghost", t0);
      expect(await store.list()).toEqual([]);
    });
  });
}
