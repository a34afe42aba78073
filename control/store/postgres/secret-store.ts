// SecretStore on PostgreSQL: the same rules as sqlite-secret-store.ts. Every write is one
// transaction that takes the revision lock first (like every metadata write, so the env check
// of a PATCH and a secret's write never interleave), checks the function and its env, writes
// the sealed value and moves the function's change row.
import type { SQL } from "bun";
import type { SecretInfo } from "../../../core/contract";
import type { SealedSecret, SecretLimits, SecretResult, SecretStore } from "../secret-store";
import { lockedWrite, recordChange } from "./feed";
import { secretsBound } from "../write-checks";

const ok = <T>(value: T): SecretResult<T> => ({ ok: true, value });
const NOT_FOUND = { ok: false, reason: "not_found" } as const;
/** Rows read at a time by sealedAll (the start-up check of the key). */
const BATCH = 500;

interface Row {
  key: string;
  updated_at: string;
}

export class PostgresSecretStore implements SecretStore {
  constructor(
    private readonly sql: SQL,
    private readonly channel: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async functionIdByName(name: string): Promise<string | null> {
    const [row] = await this.sql`SELECT id FROM functions WHERE name = ${name}`;
    return (row as { id: string } | undefined)?.id ?? null;
  }

  async list(functionId: string): Promise<SecretResult<SecretInfo[]>> {
    if (!(await exists(this.sql, functionId))) return NOT_FOUND;
    const rows = (await this
      .sql`SELECT key, updated_at FROM secrets WHERE function_id = ${functionId} ORDER BY key`) as Row[];
    return ok(rows.map(info));
  }

  async get(functionId: string, key: string): Promise<SecretResult<SecretInfo>> {
    if (!(await exists(this.sql, functionId))) return NOT_FOUND;
    const found = await row(this.sql, functionId, key);
    return found ? ok(info(found)) : { ok: false, reason: "secret_not_found", key };
  }

  async put(
    functionId: string,
    key: string,
    sealed: Uint8Array,
    jsonBytes: number,
    limits: SecretLimits,
  ): Promise<SecretResult<{ created: boolean; info: SecretInfo }>> {
    return this.write(async (tx) => {
      // The env is read and parsed here, not cast to jsonb: jsonb refuses the \u0000 and lone
      // surrogates an env value may hold (and JSON text keeps), which SQLite's JSON takes.
      const [fn] = await tx`SELECT env FROM functions WHERE id = ${functionId}`;
      if (!fn) return NOT_FOUND;
      if (Object.hasOwn(JSON.parse((fn as { env: string }).env), key)) return { ok: false, reason: "env_has_key", key };
      const [others] =
        await tx`SELECT COUNT(*)::int AS n, COALESCE(SUM(json_bytes), 0)::int AS bytes FROM secrets WHERE function_id = ${functionId} AND key <> ${key}`;
      const { n, bytes } = others as { n: number; bytes: number };
      const entries = n + 1;
      // The secrets' JSON: braces, the entries, a comma between two.
      const total = 2 + bytes + jsonBytes + n;
      if (entries > limits.entries || total > limits.jsonBytes)
        return { ok: false, reason: "too_many", entries, jsonBytes: total };
      const created = (await row(tx, functionId, key)) === null;
      const at = this.now().toISOString();
      await tx`INSERT INTO secrets (function_id, key, sealed, json_bytes, updated_at) VALUES (${functionId}, ${key}, ${Buffer.from(sealed)}, ${jsonBytes}, ${at})
        ON CONFLICT (function_id, key) DO UPDATE SET sealed = excluded.sealed, json_bytes = excluded.json_bytes, updated_at = excluded.updated_at`;
      await recordChange(tx, this.channel, "secrets.changed", functionId, null, at);
      return ok({ created, info: { key, updated_at: at } });
    });
  }

  async delete(functionId: string, key: string): Promise<SecretResult<SecretInfo>> {
    return this.write(async (tx) => {
      if (!(await exists(tx, functionId))) return NOT_FOUND;
      const found = await row(tx, functionId, key);
      if (!found) return { ok: false, reason: "secret_not_found", key };
      await tx`DELETE FROM secrets WHERE function_id = ${functionId} AND key = ${key}`;
      await recordChange(tx, this.channel, "secrets.changed", functionId, null, this.now().toISOString());
      return ok(info(found));
    });
  }

  async count(): Promise<{ secrets: number; functions: number }> {
    const [counts] = await this
      .sql`SELECT COUNT(*)::int AS secrets, COUNT(DISTINCT function_id)::int AS functions FROM secrets`;
    return counts as { secrets: number; functions: number };
  }

  /** A batch at a time, by (function, key), so a large store is never read whole. */
  async *sealedAll(): AsyncIterable<SealedSecret> {
    let after = { functionId: "", key: "" };
    for (;;) {
      const rows = (await this
        .sql`SELECT function_id, key, sealed FROM secrets WHERE (function_id, key) > (${after.functionId}, ${after.key})
        ORDER BY function_id, key LIMIT ${BATCH}`) as { function_id: string; key: string; sealed: Uint8Array }[];
      for (const r of rows) yield { functionId: r.function_id, key: r.key, sealed: new Uint8Array(r.sealed) };
      if (rows.length < BATCH) return;
      const last = rows[rows.length - 1]!;
      after = { functionId: last.function_id, key: last.key };
    }
  }

  close(): void {}

  private write<T>(body: (tx: SQL) => Promise<T>): Promise<T> {
    return lockedWrite(this.sql, body);
  }
}

const info = (r: Row): SecretInfo => ({ key: r.key, updated_at: r.updated_at });

async function exists(sql: SQL, functionId: string): Promise<boolean> {
  const [found] = await sql`SELECT 1 FROM functions WHERE id = ${functionId}`;
  return found !== undefined;
}

async function row(sql: SQL, functionId: string, key: string): Promise<Row | null> {
  const [found] = await sql`SELECT key, updated_at FROM secrets WHERE function_id = ${functionId} AND key = ${key}`;
  return (found as Row | undefined) ?? null;
}
