// SecretStore on bun:sqlite: its own connection to the metadata file (like the node store), so
// the secrets' SQL stays out of the metadata store. Every write is one IMMEDIATE transaction
// that checks the function and its env, writes the sealed value and moves the function's change
// row (sqlite-feed.ts), so the feed never disagrees with the tables; the metadata store's env
// changes check the secret names in their own transactions, so the two never overlap.
import type { Database } from "bun:sqlite";
import type { SecretInfo } from "../../core/contract";
import type { SealedSecret, SecretLimits, SecretResult, SecretStore } from "./secret-store";
import { openMetadataDatabase } from "./sqlite-open";
import { recordChange } from "./sqlite-feed";
import { secretsBound } from "./write-checks";

const ok = <T>(value: T): SecretResult<T> => ({ ok: true, value });
const NOT_FOUND = { ok: false, reason: "not_found" } as const;

interface Row {
  key: string;
  updated_at: string;
}

export class SqliteSecretStore implements SecretStore {
  private readonly db: Database;

  /** `path` is the metadata file; `beforeCommit` as for SqliteMetadataStore (the data dir guard). */
  constructor(
    path: string,
    private readonly now: () => Date = () => new Date(),
    private readonly beforeCommit: () => void = () => {},
  ) {
    this.db = openMetadataDatabase(path);
  }

  async functionIdByName(name: string): Promise<string | null> {
    const row = this.db.query("SELECT id FROM functions WHERE name = ?").get(name) as { id: string } | null;
    return row?.id ?? null;
  }

  async list(functionId: string): Promise<SecretResult<SecretInfo[]>> {
    if (!this.exists(functionId)) return NOT_FOUND;
    const rows = this.db
      .query("SELECT key, updated_at FROM secrets WHERE function_id = ? ORDER BY key")
      .all(functionId) as Row[];
    return ok(rows.map(info));
  }

  async get(functionId: string, key: string): Promise<SecretResult<SecretInfo>> {
    if (!this.exists(functionId)) return NOT_FOUND;
    const row = this.row(functionId, key);
    return row ? ok(info(row)) : { ok: false, reason: "secret_not_found", key };
  }

  async put(
    functionId: string,
    key: string,
    sealed: Uint8Array,
    jsonBytes: number,
    limits: SecretLimits,
  ): Promise<SecretResult<{ created: boolean; info: SecretInfo }>> {
    return this.write(() => {
      // The key pattern (letters, digits, '_') needs no escaping inside a quoted JSON path.
      const fn = this.db
        .query("SELECT json_type(env, ?) AS taken FROM functions WHERE id = ?")
        .get(`$."${key}"`, functionId) as { taken: string | null } | null;
      if (!fn) return NOT_FOUND;
      if (fn.taken !== null) return { ok: false, reason: "env_has_key", key };
      const others = this.db
        .query(
          "SELECT COUNT(*) AS n, COALESCE(SUM(json_bytes), 0) AS bytes FROM secrets WHERE function_id = ? AND key != ?",
        )
        .get(functionId, key) as { n: number; bytes: number };
      const bound = secretsBound(others, jsonBytes, limits);
      if (bound) return bound;
      const created = this.row(functionId, key) === null;
      const at = this.now().toISOString();
      this.db
        .query(
          `INSERT INTO secrets (function_id, key, sealed, json_bytes, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (function_id, key) DO UPDATE SET sealed = excluded.sealed, json_bytes = excluded.json_bytes, updated_at = excluded.updated_at`,
        )
        .run(functionId, key, sealed, jsonBytes, at);
      recordChange(this.db, "secrets.changed", functionId, null, at);
      return ok({ created, info: { key, updated_at: at } });
    });
  }

  async delete(functionId: string, key: string): Promise<SecretResult<SecretInfo>> {
    return this.write(() => {
      if (!this.exists(functionId)) return NOT_FOUND;
      const row = this.row(functionId, key);
      if (!row) return { ok: false, reason: "secret_not_found", key };
      this.db.query("DELETE FROM secrets WHERE function_id = ? AND key = ?").run(functionId, key);
      recordChange(this.db, "secrets.changed", functionId, null, this.now().toISOString());
      return ok(info(row));
    });
  }

  async count(): Promise<{ secrets: number; functions: number }> {
    return this.db.query("SELECT COUNT(*) AS secrets, COUNT(DISTINCT function_id) AS functions FROM secrets").get() as {
      secrets: number;
      functions: number;
    };
  }

  async *sealedAll(): AsyncIterable<SealedSecret> {
    const rows = this.db
      .query("SELECT function_id, key, sealed FROM secrets ORDER BY function_id, key")
      .iterate() as IterableIterator<{ function_id: string; key: string; sealed: Uint8Array }>;
    for (const row of rows) yield { functionId: row.function_id, key: row.key, sealed: row.sealed };
  }

  close(): void {
    this.db.close();
  }

  private exists(functionId: string): boolean {
    return this.db.query("SELECT 1 FROM functions WHERE id = ?").get(functionId) !== null;
  }

  private row(functionId: string, key: string): Row | null {
    return this.db
      .query("SELECT key, updated_at FROM secrets WHERE function_id = ? AND key = ?")
      .get(functionId, key) as Row | null;
  }

  private write<T>(body: () => T): T {
    return this.db
      .transaction(() => {
        const result = body();
        this.beforeCommit();
        return result;
      })
      .immediate();
  }
}

const info = (row: Row): SecretInfo => ({ key: row.key, updated_at: row.updated_at });

/** A secret of the function with a name in `env` (the guest sees both as env: no name may be both). */
export function secretNamedIn(
  db: Database,
  id: string,
  env: Record<string, string> | undefined,
): { ok: false; reason: "secret_name_taken"; key: string } | null {
  if (env === undefined) return null;
  const row = db
    .query("SELECT key FROM secrets WHERE function_id = ? AND key IN (SELECT value FROM json_each(?)) ORDER BY key")
    .get(id, JSON.stringify(Object.keys(env))) as { key: string } | null;
  return row ? { ok: false, reason: "secret_name_taken", key: row.key } : null;
}
