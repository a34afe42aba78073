// The PostgreSQL schema: numbered .sql files in migrations/, applied in order at start inside one
// transaction that holds an advisory lock, so two replicas starting at once apply each migration
// once (the second waits, then finds nothing to do). A database whose schema is newer than this
// release is refused with a message, never written to. The lock and the version table belong to
// the current schema (search_path), so installations in different schemas of one database are apart.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { SQL } from "bun";

const DIR = join(import.meta.dir, "migrations");

/** The migration files, in order: `0001_name.sql` is version 1. */
export function migrationFiles(): { version: number; path: string }[] {
  return readdirSync(DIR)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name, index) => {
      const version = Number(name.slice(0, 4));
      if (version !== index + 1) throw new Error(`migration ${name} is out of sequence (expected ${index + 1})`);
      return { version, path: join(DIR, name) };
    });
}

/** Brings the schema to the newest version; returns the versions applied now. */
export async function migrate(sql: SQL): Promise<number[]> {
  const files = migrationFiles();
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('edgebase-schema:' || current_schema()))`;
    await tx.unsafe(
      "CREATE TABLE IF NOT EXISTS edgebase_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const [row] = await tx`SELECT COALESCE(MAX(version), 0)::int AS current FROM edgebase_schema`;
    const current = (row as { current: number }).current;
    if (current > files.length)
      throw new SchemaTooNew(
        `the database's metadata schema is version ${current}, newer than this control plane's (${files.length}); upgrade the control plane`,
      );
    const applied: number[] = [];
    for (const file of files.slice(current)) {
      await tx.unsafe(await Bun.file(file.path).text());
      await tx`INSERT INTO edgebase_schema (version) VALUES (${file.version})`;
      applied.push(file.version);
    }
    return applied;
  });
}

export class SchemaTooNew extends Error {}
