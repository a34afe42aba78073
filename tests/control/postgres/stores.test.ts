// The store contract suites against PostgreSQL, each store in a schema of its own.
import { describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { toApiError } from "../../../control/errors";
import { openDatabase } from "../../../control/store/postgres/database";
import { PostgresMetadataStore } from "../../../control/store/postgres/metadata-store";
import { PostgresNodeStore } from "../../../control/store/postgres/node-store";
import { changeChannel } from "../../../control/store/postgres/replica-changes";
import { created } from "../metadata-store-fixture";
import { metadataStoreContract } from "../metadata-store.contract";
import { nodeStoreContract } from "../node-store.contract";
import { freshSchema, NO_POSTGRES, testPostgres, withSchema } from "../../helpers/postgres";
import { until } from "../../helpers/until";

const base = await testPostgres();
if (!base) {
  console.log(NO_POSTGRES);
  test.skip(NO_POSTGRES, () => {});
}

async function opened(): Promise<{ sql: SQL; drop(): Promise<void> }> {
  const schema = await freshSchema(base!);
  const sql = await openDatabase({ url: schema.url, max: 4 });
  return { sql, drop: async () => (await sql.close(), await schema.drop()) };
}

if (base) {
  metadataStoreContract("postgresql", async () => {
    const { sql, drop } = await opened();
    return { store: new PostgresMetadataStore(sql, "edge_test"), cleanup: drop };
  });

  nodeStoreContract("postgresql", async () => {
    const { sql, drop } = await opened();
    return { store: new PostgresNodeStore(sql, "replica-a"), cleanup: drop };
  });

  describe("postgresql only", () => {
    test("schema: applied once, idempotent at the next open, refused when the database is newer", async () => {
      const schema = await freshSchema(base);
      const first = await openDatabase({ url: schema.url, max: 2 });
      const again = await openDatabase({ url: schema.url, max: 2 });
      const [row] = await again`SELECT COUNT(*)::int AS n, MAX(version)::int AS v FROM edgebase_schema`;
      expect(row).toEqual({ n: 1, v: 1 });
      await again`INSERT INTO edgebase_schema (version) VALUES (99)`;
      await expect(openDatabase({ url: schema.url, max: 2 })).rejects.toThrow(
        "the database's metadata schema is version 99, newer than this control plane's (1); upgrade the control plane",
      );
      await first.close();
      await again.close();
      await schema.drop();
    });

    test("a write on a read-only server (a standby after a failover) is 503 storage_unavailable, not a 500", async () => {
      const schema = await freshSchema(base);
      const writable = await openDatabase({ url: schema.url, max: 1 });
      const url = new URL(schema.url);
      url.searchParams.set("options", `${url.searchParams.get("options")} -c default_transaction_read_only=on`);
      const standby = new SQL({ url: url.toString(), max: 1 });
      try {
        const failed = await created(new PostgresMetadataStore(standby, "edge_test"), "on-standby").catch((e) => e);
        expect((failed as { errno?: string }).errno).toBe("25006");
        const answer = toApiError("UNKNOWN", failed);
        expect([answer.status, answer.code]).toEqual([503, "storage_unavailable"]);
      } finally {
        await standby.close();
        await writable.close();
        await schema.drop();
      }
    });

    test("a schema named in UTF-8 past 63 bytes of channel: writes commit and their NOTIFY reaches a listener", async () => {
      // 46 characters, 70 bytes: with the channel's prefix, past the 63 bytes an identifier holds.
      const name = `edge_t_${process.pid}_${"ü".repeat(32)}`;
      const admin = new SQL({ url: base, max: 1 });
      await admin.unsafe(`CREATE SCHEMA "${name}"`);
      const sql = await openDatabase({ url: withSchema(base, `"${name}"`), max: 2 });
      try {
        const channel = await changeChannel(sql);
        expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
        const heard: string[] = [];
        const listening = await sql.listen(channel, (payload) => heard.push(payload));
        const store = new PostgresMetadataStore(sql, channel);
        expect((await created(store, "unicode-schema")).id).toBeString();
        await until("the commit's NOTIFY", () => heard.includes(String(1)));
        await listening.unlisten();
      } finally {
        await sql.close();
        await admin.unsafe(`DROP SCHEMA "${name}" CASCADE`);
        await admin.close();
      }
    });
  });
}
