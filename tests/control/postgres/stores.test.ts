// The store contract suites against PostgreSQL, each store in a schema of its own.
import { describe, expect, test } from "bun:test";
import type { SQL } from "bun";
import { openDatabase } from "../../../control/store/postgres/database";
import { PostgresMetadataStore } from "../../../control/store/postgres/metadata-store";
import { PostgresNodeStore } from "../../../control/store/postgres/node-store";
import { metadataStoreContract } from "../metadata-store.contract";
import { nodeStoreContract } from "../node-store.contract";
import { freshSchema, NO_POSTGRES, testPostgres } from "../../helpers/postgres";

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
  });
}
