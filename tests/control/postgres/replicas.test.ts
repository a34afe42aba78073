// What PostgreSQL must give several control planes on one database: one migration however many
// start at once, versions without gaps or duplicates and strictly increasing revisions under
// concurrent writes from several pools, node rows owned by the replica that holds the socket,
// and the secrets rules.
import { afterAll, beforeAll, expect } from "bun:test";
import type { SQL } from "bun";
import { openDatabase } from "../../../control/store/postgres/database";
import { PostgresMetadataStore } from "../../../control/store/postgres/metadata-store";
import { PostgresNodeStore } from "../../../control/store/postgres/node-store";
import { PostgresSecretStore } from "../../../control/store/postgres/secret-store";
import { PostgresArtifactLocks } from "../../../control/store/postgres/artifact-locks";
import { until } from "../../helpers/until";
import { created } from "../metadata-store-fixture";
import { freshSchema, type TestSchema, postgresSuite } from "../../helpers/postgres";

const { base, run } = await postgresSuite();

let schema: TestSchema;
let pools: SQL[] = [];
beforeAll(async () => {
  if (!base) return;
  schema = await freshSchema(base);
  // Three replicas starting at once: the advisory lock lets one migrate, the others wait and find it done.
  pools = await Promise.all([1, 2, 3].map(() => openDatabase({ url: schema.url, max: 4 })));
});
afterAll(async () => {
  for (const pool of pools) await pool.close();
  await schema?.drop();
});

run("three replicas started at once applied the schema once", async () => {
  const rows = await pools[0]!`SELECT version FROM edgebase_schema`;
  expect(rows.map((r: { version: number }) => r.version)).toEqual([1]);
});

run(
  "concurrent uploads through three replicas: versions 1..N without gaps or duplicates, revisions strictly increasing in commit order",
  async () => {
    const stores = pools.map((pool) => new PostgresMetadataStore(pool, "edge_test"));
    const fn = await created(stores[0]!, "busy");
    const before = await stores[0]!.revision();
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        stores[i % 3]!.addVersion(fn.id, { sha256: i.toString(16).padStart(64, "0"), size: i }, i % 2 === 0),
      ),
    );
    const versions = results.map((r) => (r.ok ? r.value.version : -1)).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await stores[1]!.revision()).toBe(before + 60);
    // Each version's change row took the next revision; the feed holds the function's last one.
    const feed = await stores[2]!.changesSince(before, 1 << 20);
    expect(feed.entries.map((e) => e.revision)).toEqual([before + 60]);
  },
);

run(
  "node rows belong to the replica holding the socket: another replica's start or a late close leaves them",
  async () => {
    const a = new PostgresNodeStore(pools[0]!, "replica-a");
    const b = new PostgresNodeStore(pools[1]!, "replica-b");
    const t = new Date("2026-01-01T00:00:00.000Z");
    await a.connected({ id: "n1", address: "http://n1", version: "1", keySha256: "k" }, 5, t);
    await b.disconnectAll(t);
    expect((await a.list({ limit: 10 })).items[0]).toMatchObject({ id: "n1", connected: true });
    // The node fails over to B; A notices its socket closed only afterwards.
    await b.connected({ id: "n1", address: "http://n1", version: "1", keySha256: "k" }, 6, t);
    await a.disconnected("n1", t);
    await a.applied("n1", 1, [], t);
    expect((await b.list({ limit: 10 })).items[0]).toMatchObject({ id: "n1", connected: true, applied_revision: 6 });
  },
);

run(
  "secrets: sealed bytes kept exactly, env names refused both ways, bounds, and each write is a change of the function",
  async () => {
    const metadata = new PostgresMetadataStore(pools[0]!, "edge_test");
    const secrets = new PostgresSecretStore(pools[1]!, "edge_test");
    const fn = await created(metadata, "with-secrets", { env: { PLAIN: "x" } });
    const limits = { entries: 2, jsonBytes: 1000 };
    const sealed = new Uint8Array([0, 1, 2, 255]);
    const rev = await metadata.revision();
    expect(await secrets.put(fn.id, "PLAIN", sealed, 10, limits)).toEqual({
      ok: false,
      reason: "env_has_key",
      key: "PLAIN",
    });
    expect(await secrets.put(fn.id, "TOKEN", sealed, 10, limits)).toMatchObject({ ok: true, value: { created: true } });
    expect(await secrets.put(fn.id, "TOKEN", sealed, 10, limits)).toMatchObject({
      ok: true,
      value: { created: false },
    });
    expect(await secrets.put(fn.id, "B", sealed, 10, limits)).toMatchObject({ ok: true });
    expect(await secrets.put(fn.id, "C", sealed, 10, limits)).toMatchObject({
      ok: false,
      reason: "too_many",
      entries: 3,
    });
    expect(await metadata.updateFunction(fn.id, { env: { TOKEN: "y" } })).toEqual({
      ok: false,
      reason: "secret_name_taken",
      key: "TOKEN",
    });
    expect(await metadata.revision()).toBe(rev + 3);
    const feed = await metadata.changesSince(rev, 1 << 20);
    expect(JSON.parse(feed.entries[0]!.sealed!)).toEqual({ B: "000102ff", TOKEN: "000102ff" });
    const all = [];
    for await (const s of secrets.sealedAll()) all.push(s);
    expect(all.map((s) => [s.key, [...s.sealed]])).toEqual([
      ["B", [0, 1, 2, 255]],
      ["TOKEN", [0, 1, 2, 255]],
    ]);
    expect(await secrets.list(fn.id)).toMatchObject({ ok: true, value: [{ key: "B" }, { key: "TOKEN" }] });
    expect(await secrets.delete(fn.id, "B")).toMatchObject({ ok: true, value: { key: "B" } });
    expect(await secrets.count()).toEqual({ secrets: 1, functions: 1 });
  },
);

run("artifact locks hold across replicas: the same hash waits for the holder, another hash does not", async () => {
  const a = new PostgresArtifactLocks(schema.url);
  const b = new PostgresArtifactLocks(schema.url);
  const order: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = a.run("f".repeat(64), async () => {
    order.push("a: holds");
    await held;
    order.push("a: done");
  });
  await until("a holds the lock", async () => order.includes("a: holds"));
  const other = b.run("e".repeat(64), async () => void order.push("b: another hash"));
  const same = b.run("f".repeat(64), async () => void order.push("b: same hash"));
  await other;
  expect(order).toEqual(["a: holds", "b: another hash"]);
  release();
  await Promise.all([first, same]);
  expect(order).toEqual(["a: holds", "b: another hash", "a: done", "b: same hash"]);
  await a.close();
  await b.close();
});
