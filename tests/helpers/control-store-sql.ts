// For the few tests that write what an older release could have stored, straight into a test
// control plane's store, whichever it is: SQLite in its data dir, or its PostgreSQL schema.
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { join } from "node:path";

/** Runs `sqlite` (with `?` parameters) on SQLite, or `postgres` (with `$n` ones) on PostgreSQL. */
export async function runOnStore(
  control: { dataDir: string; databaseUrl?: string },
  statements: { sqlite: string; postgres: string },
  params: (string | number | null)[],
): Promise<void> {
  if (control.databaseUrl) {
    const sql = new SQL({ url: control.databaseUrl, max: 1 });
    await sql.unsafe(statements.postgres, params);
    await sql.close();
    return;
  }
  const db = new Database(join(control.dataDir, "metadata.sqlite"));
  db.query(statements.sqlite).run(...params);
  db.close();
}
