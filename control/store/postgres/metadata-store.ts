// MetadataStore on PostgreSQL (Bun.sql), for several control planes on one database. Every
// mutation is one transaction that first locks the revision counter's row (feed.ts), then
// checks and writes as the SQLite store does: writers from every replica are serialized in
// one order, so version numbers come without gaps or duplicates (MAX + 1 under the lock, with
// the primary key as a backstop), revisions strictly increase in commit order, and a name or
// route check can't race another registration. A control plane's writes are few and short;
// one lock costs them nothing measurable, and a sequence would hand out revisions out of
// commit order (a node could see 7 before 6 commits and miss 6).
import type { SQL } from "bun";
import type { FunctionRecord, FunctionSpec, VersionRecord } from "../../../core/contract";
import { CHANGED, changedLimits, matches, NOT_FOUND, ok, PRECONDITION } from "../write-checks";
import type {
  ChangeEntry,
  CheckBasis,
  FeedPage,
  FunctionPage,
  IfMatch,
  MetadataStore,
  SerializedFunction,
  StoreResult,
  VersionPage,
} from "../metadata-store";
import { toFunction, toVersion, type FunctionRow, type VersionRow } from "../rows";
import { lockedWrite, pruneDeletions, readChanges, readCounter, readSnapshotPage, recordChange } from "./feed";
import { fromPg } from "./pg-rows";
import { conflictOf, indexRoutes, secretNamedIn } from "./route-index";

export class PostgresMetadataStore implements MetadataStore {
  /** `channel`: where commits are announced to the other replicas (pg-changes.ts listens). */
  constructor(
    private readonly sql: SQL,
    readonly channel: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async createFunction(spec: FunctionSpec): Promise<StoreResult<FunctionRecord>> {
    return this.write(async (tx) => {
      const conflict = await conflictOf(tx, spec.name, spec.routes, null);
      if (conflict) return conflict;
      const at = this.now().toISOString();
      const record: FunctionRecord = {
        id: Bun.randomUUIDv7(),
        ...spec,
        active_version: null,
        created_at: at,
        updated_at: at,
      };
      await tx`INSERT INTO functions (id, name, entrypoint, runtime, memory_pages, max_execution_ms, max_concurrency, max_body_bytes, env, routes, active_version, created_at, updated_at)
        VALUES (${record.id}, ${record.name}, ${record.entrypoint}, ${record.runtime}, ${record.memory_pages}, ${record.max_execution_ms},
          ${record.max_concurrency ?? null}, ${record.max_body_bytes ?? null}, ${JSON.stringify(record.env)}, ${JSON.stringify(record.routes)}, ${null}, ${at}, ${at})`;
      await indexRoutes(tx, record.id, record.routes);
      await recordChange(tx, this.channel, "function.created", record.id, null, at);
      return ok(record);
    });
  }

  async getFunction(id: string): Promise<FunctionRecord | null> {
    return readFunction(this.sql, id);
  }

  async getFunctionByName(name: string): Promise<FunctionRecord | null> {
    const [row] = await this.sql`SELECT * FROM functions WHERE name = ${name}`;
    return row ? toFunction(row as FunctionRow) : null;
  }

  async listFunctions({ limit, after }: { limit: number; after?: string }): Promise<FunctionPage> {
    const rows = (await this
      .sql`SELECT * FROM functions WHERE id > ${after ?? ""} ORDER BY id LIMIT ${limit + 1}`) as FunctionRow[];
    const items = rows.slice(0, limit).map(toFunction);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async updateFunction(
    id: string,
    patch: Partial<FunctionSpec>,
    basis?: CheckBasis,
    ifMatch?: IfMatch,
  ): Promise<StoreResult<FunctionRecord>> {
    return this.write(async (tx) => {
      const current = await readFunction(tx, id);
      if (!current) return NOT_FOUND;
      if (!matches(current, ifMatch)) return PRECONDITION;
      if (basis && (changedLimits(current, basis) || current.active_version !== basis.active_version)) return CHANGED;
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const at = this.now().toISOString();
      const next: FunctionRecord = { ...current, ...defined, id, updated_at: at };
      const conflict = (await conflictOf(tx, next.name, next.routes, id)) ?? (await secretNamedIn(tx, id, patch.env));
      if (conflict) return conflict;
      await tx`UPDATE functions SET name = ${next.name}, entrypoint = ${next.entrypoint}, runtime = ${next.runtime}, memory_pages = ${next.memory_pages},
        max_execution_ms = ${next.max_execution_ms}, max_concurrency = ${next.max_concurrency ?? null}, max_body_bytes = ${next.max_body_bytes ?? null},
        env = ${JSON.stringify(next.env)}, routes = ${JSON.stringify(next.routes)}, updated_at = ${at} WHERE id = ${id}`;
      if (patch.routes !== undefined) await indexRoutes(tx, id, next.routes);
      await recordChange(tx, this.channel, "function.updated", id, null, at);
      return ok(next);
    });
  }

  async deleteFunction(id: string, ifMatch?: IfMatch): Promise<StoreResult<FunctionRecord>> {
    return this.write(async (tx) => {
      const current = await readFunction(tx, id);
      if (!current) return NOT_FOUND;
      if (!matches(current, ifMatch)) return PRECONDITION;
      await tx`DELETE FROM functions WHERE id = ${id}`;
      await recordChange(tx, this.channel, "function.deleted", id, null, this.now().toISOString());
      return ok(current);
    });
  }

  async addVersion(
    functionId: string,
    artifact: { sha256: string; size: number },
    activate: boolean,
    basis?: CheckBasis,
  ): Promise<StoreResult<VersionRecord>> {
    return this.write(async (tx) => {
      const current = await readFunction(tx, functionId);
      if (!current) return NOT_FOUND;
      if (activate && basis && changedLimits(current, basis)) return CHANGED;
      const [{ next }] =
        await tx`SELECT (COALESCE(MAX(version), 0) + 1)::int AS next FROM versions WHERE function_id = ${functionId}`;
      const at = this.now().toISOString();
      await tx`INSERT INTO versions (function_id, version, sha256, size, created_at) VALUES (${functionId}, ${next}, ${artifact.sha256}, ${artifact.size}, ${at})`;
      if (activate)
        await tx`UPDATE functions SET active_version = ${next}, updated_at = ${at} WHERE id = ${functionId}`;
      await recordChange(tx, this.channel, "version.created", functionId, next, at);
      return ok({ function_id: functionId, version: next as number, ...artifact, active: activate, created_at: at });
    });
  }

  async listVersions(
    functionId: string,
    { limit, after }: { limit: number; after?: number },
  ): Promise<StoreResult<VersionPage>> {
    // One snapshot: the active flag and the page agree.
    return this.sql.begin(async (tx) => {
      await tx`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`;
      const fn = await readFunction(tx, functionId);
      if (!fn) return NOT_FOUND;
      const rows =
        (await tx`SELECT * FROM versions WHERE function_id = ${functionId} AND version > ${after ?? 0} ORDER BY version LIMIT ${limit + 1}`) as VersionRow[];
      const items = rows.slice(0, limit).map((row) => toVersion(fromPg(row), fn.active_version));
      return ok({ items, next: rows.length > limit ? items[items.length - 1]!.version : null });
    });
  }

  async pruneVersions(functionId: string, keep: number): Promise<StoreResult<VersionRecord[]>> {
    return this.write(async (tx) => {
      const fn = await readFunction(tx, functionId);
      if (!fn) return NOT_FOUND;
      const rows =
        (await tx`DELETE FROM versions WHERE function_id = ${functionId} AND version IS DISTINCT FROM ${fn.active_version}::int AND version <
          (SELECT MIN(version) FROM (SELECT version FROM versions WHERE function_id = ${functionId} ORDER BY version DESC LIMIT ${keep}) newest)
        RETURNING *`) as VersionRow[];
      return ok(rows.map((row) => toVersion(fromPg(row), fn.active_version)).sort((a, b) => a.version - b.version));
    });
  }

  async getVersion(functionId: string, version: number): Promise<VersionRecord | null> {
    const fn = await readFunction(this.sql, functionId);
    if (!fn) return null;
    const [row] = await this.sql`SELECT * FROM versions WHERE function_id = ${functionId} AND version = ${version}`;
    return row ? toVersion(fromPg(row as VersionRow), fn.active_version) : null;
  }

  async activateVersion(functionId: string, version: number, basis?: CheckBasis): Promise<StoreResult<FunctionRecord>> {
    return this.write(async (tx) => {
      const current = await readFunction(tx, functionId);
      if (!current) return NOT_FOUND;
      if (basis && changedLimits(current, basis)) return CHANGED;
      const [exists] = await tx`SELECT 1 FROM versions WHERE function_id = ${functionId} AND version = ${version}`;
      if (!exists) return { ok: false, reason: "version_not_found", version };
      if (current.active_version === version) return ok(current);
      const at = this.now().toISOString();
      await tx`UPDATE functions SET active_version = ${version}, updated_at = ${at} WHERE id = ${functionId}`;
      await recordChange(tx, this.channel, "version.activated", functionId, version, at);
      return ok({ ...current, active_version: version, updated_at: at });
    });
  }

  async countFunctions(): Promise<number> {
    const [row] = await this.sql`SELECT COUNT(*)::int AS n FROM functions`;
    return (row as { n: number }).n;
  }

  revision(): Promise<number> {
    return readCounter(this.sql, "revision");
  }

  changesSince(after: number, maxBytes: number): Promise<FeedPage<ChangeEntry>> {
    return readChanges(this.sql, after, maxBytes);
  }

  snapshotPage(after: string | null, maxBytes: number): Promise<FeedPage<SerializedFunction>> {
    return readSnapshotPage(this.sql, after, maxBytes);
  }

  compactedThrough(): Promise<number> {
    return readCounter(this.sql, "compacted_through");
  }

  pruneDeletions(keep: number): Promise<number> {
    return this.write((tx) => pruneDeletions(tx, keep));
  }

  async historyId(): Promise<string> {
    const [row] = await this.sql`SELECT value FROM meta WHERE name = 'history_id'`;
    return (row as { value: string }).value;
  }

  async referencedArtifacts(): Promise<Set<string>> {
    const rows = (await this.sql`SELECT DISTINCT sha256 FROM versions`) as { sha256: string }[];
    return new Set(rows.map((row) => row.sha256));
  }

  async artifactReferenced(sha256: string): Promise<boolean> {
    const [row] = await this.sql`SELECT 1 FROM versions WHERE sha256 = ${sha256} LIMIT 1`;
    return row !== undefined;
  }

  /** The pool is the caller's (start-up opens one for every store): closed there. */
  close(): void {}

  private write<T>(body: (tx: SQL) => Promise<T>): Promise<T> {
    return lockedWrite(this.sql, body);
  }
}

async function readFunction(sql: SQL, id: string): Promise<FunctionRecord | null> {
  const [row] = await sql`SELECT * FROM functions WHERE id = ${id}`;
  return row ? toFunction(row as FunctionRow) : null;
}
