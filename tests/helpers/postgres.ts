// A PostgreSQL for the tests that need one: EDGE_TEST_DATABASE_URL when set (tests/run.ts sets
// it to the one it found or started: postgres-cluster.ts), else one on 127.0.0.1:5432 if it
// answers; null when there is none, and those tests say `skipped: no PostgreSQL`. Each store
// under test gets its own schema (search_path in the URL), dropped after.
import { test } from "bun:test";
import { SQL } from "bun";

export const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";

/** Whether a PostgreSQL answers at `url` within a few seconds. */
export async function answers(url: string): Promise<boolean> {
  const sql = new SQL({ url, max: 1, connectionTimeout: 3 });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.close().catch(() => {});
  }
}

let found: Promise<string | null> | undefined;

/** The PostgreSQL the tests use, or null. */
export function testPostgres(): Promise<string | null> {
  found ??= (async () => {
    const given = process.env.EDGE_TEST_DATABASE_URL;
    if (given) return given;
    return (await answers(LOCAL_POSTGRES)) ? LOCAL_POSTGRES : null;
  })();
  return found;
}

/** `url` with `search_path` set to `schema` for every connection made with it. */
export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema}`);
  return parsed.toString();
}

export interface TestSchema {
  /** Connects into the schema. */
  url: string;
  schema: string;
  drop(): Promise<void>;
}

/** A new empty schema in the test database, for one store or one control-plane cluster. */
export async function freshSchema(base: string): Promise<TestSchema> {
  const schema = `edge_t_${process.pid}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new SQL({ url: base, max: 1 });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await admin.close();
  return {
    url: withSchema(base, schema),
    schema,
    async drop() {
      const again = new SQL({ url: base, max: 1 });
      await again.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await again.close();
    },
  };
}

/** The reason line PostgreSQL suites print when there is none. */
export const NO_POSTGRES = "skipped: no PostgreSQL (set EDGE_TEST_DATABASE_URL, or run one on 127.0.0.1:5432)";

/**
 * What a PostgreSQL test file starts with: the database to use, and `run`, which is `test` when
 * there is one and `test.skip` (the file says `skipped: no PostgreSQL` once) when there is none.
 */
export async function postgresSuite(): Promise<{ base: string | null; run: typeof test | typeof test.skip }> {
  const base = await testPostgres();
  if (!base) console.log(NO_POSTGRES);
  return { base, run: base ? test : test.skip };
}
