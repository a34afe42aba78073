// MetadataStore on bun:sqlite (WAL). Every mutation is one IMMEDIATE transaction that also bumps
// the global revision and moves the function's one change row to it, so the feed can never
// disagree with the tables, and concurrent writers (uploads to one function) are serialized
// into distinct versions.
import type { Database } from "bun:sqlite";
import type { FunctionRecord, FunctionSpec, VersionRecord } from "../../core/contract";
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
} from "./metadata-store";
import { CHANGED, changedLimits, matches, NOT_FOUND, ok, PRECONDITION } from "./write-checks";
import { secretNamedIn } from "./sqlite-secret-store";
import { openMetadataDatabase } from "./sqlite-open";
import { conflictOf, indexRoutes } from "./sqlite-route-index";
import { pruneDeletions, readChanges, readCounter, readSnapshotPage, recordChange } from "./sqlite-feed";
import { toFunction, toVersion, type FunctionRow, type VersionRow } from "./rows";
import { cutVersions, isReferenced, readVersionPage } from "./sqlite-versions";

export class SqliteMetadataStore implements MetadataStore {
  private readonly db: Database;

  /**
   * `path` is a file (created if missing) or ":memory:". `beforeCommit` runs inside every write
   * transaction, last: throwing rolls the write back (the data dir guard refuses a lost dir).
   */
  constructor(
    path: string,
    private readonly now: () => Date = () => new Date(),
    private readonly beforeCommit: () => void = () => {},
  ) {
    this.db = openMetadataDatabase(path);
  }

  async createFunction(spec: FunctionSpec): Promise<StoreResult<FunctionRecord>> {
    return this.write(() => {
      const conflict = conflictOf(this.db, spec.name, spec.routes, null);
      if (conflict) return conflict;
      const at = this.now().toISOString();
      const record: FunctionRecord = {
        id: Bun.randomUUIDv7(),
        ...spec,
        active_version: null,
        created_at: at,
        updated_at: at,
      };
      this.db
        .query(
          "INSERT INTO functions (id, name, entrypoint, runtime, memory_pages, max_execution_ms, max_concurrency, max_body_bytes, env, routes, active_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .run(
          record.id,
          record.name,
          record.entrypoint,
          record.runtime,
          record.memory_pages,
          record.max_execution_ms,
          record.max_concurrency ?? null,
          record.max_body_bytes ?? null,
          JSON.stringify(record.env),
          JSON.stringify(record.routes),
          null,
          at,
          at,
        );
      indexRoutes(this.db, record.id, record.routes);
      recordChange(this.db, "function.created", record.id, null, at);
      return ok(record);
    });
  }

  async getFunction(id: string): Promise<FunctionRecord | null> {
    return this.readFunction(id);
  }

  async getFunctionByName(name: string): Promise<FunctionRecord | null> {
    const row = this.db.query("SELECT * FROM functions WHERE name = ?").get(name) as FunctionRow | null;
    return row ? toFunction(row) : null;
  }

  async listFunctions({ limit, after }: { limit: number; after?: string }): Promise<FunctionPage> {
    const rows = this.db
      .query("SELECT * FROM functions WHERE id > ? ORDER BY id LIMIT ?")
      .all(after ?? "", limit + 1) as FunctionRow[];
    const items = rows.slice(0, limit).map(toFunction);
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async updateFunction(
    id: string,
    patch: Partial<FunctionSpec>,
    basis?: CheckBasis,
    ifMatch?: IfMatch,
  ): Promise<StoreResult<FunctionRecord>> {
    return this.write(() => {
      const current = this.readFunction(id);
      if (!current) return NOT_FOUND;
      if (!matches(current, ifMatch)) return PRECONDITION;
      if (basis && (changedLimits(current, basis) || current.active_version !== basis.active_version)) return CHANGED;
      const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const at = this.now().toISOString();
      const next: FunctionRecord = { ...current, ...defined, id, updated_at: at };
      const conflict = conflictOf(this.db, next.name, next.routes, id) ?? secretNamedIn(this.db, id, patch.env);
      if (conflict) return conflict;
      this.db
        .query(
          "UPDATE functions SET name = ?, entrypoint = ?, runtime = ?, memory_pages = ?, max_execution_ms = ?, max_concurrency = ?, max_body_bytes = ?, env = ?, routes = ?, updated_at = ? WHERE id = ?",
        )
        .run(
          next.name,
          next.entrypoint,
          next.runtime,
          next.memory_pages,
          next.max_execution_ms,
          next.max_concurrency ?? null,
          next.max_body_bytes ?? null,
          JSON.stringify(next.env),
          JSON.stringify(next.routes),
          at,
          id,
        );
      if (patch.routes !== undefined) indexRoutes(this.db, id, next.routes);
      recordChange(this.db, "function.updated", id, null, at);
      return ok(next);
    });
  }

  async deleteFunction(id: string, ifMatch?: IfMatch): Promise<StoreResult<FunctionRecord>> {
    return this.write(() => {
      const current = this.readFunction(id);
      if (!current) return NOT_FOUND;
      if (!matches(current, ifMatch)) return PRECONDITION;
      this.db.query("DELETE FROM routes WHERE function_id = ?").run(id);
      this.db.query("DELETE FROM functions WHERE id = ?").run(id);
      recordChange(this.db, "function.deleted", id, null, this.now().toISOString());
      return ok(current);
    });
  }

  async addVersion(
    functionId: string,
    artifact: { sha256: string; size: number },
    activate: boolean,
    basis?: CheckBasis,
  ): Promise<StoreResult<VersionRecord>> {
    return this.write(() => {
      const current = this.readFunction(functionId);
      if (!current) return NOT_FOUND;
      if (activate && basis && changedLimits(current, basis)) return CHANGED;
      const { next } = this.db
        .query("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM versions WHERE function_id = ?")
        .get(functionId) as { next: number };
      const at = this.now().toISOString();
      this.db
        .query("INSERT INTO versions (function_id, version, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)")
        .run(functionId, next, artifact.sha256, artifact.size, at);
      if (activate)
        this.db.query("UPDATE functions SET active_version = ?, updated_at = ? WHERE id = ?").run(next, at, functionId);
      recordChange(this.db, "version.created", functionId, next, at);
      return ok({
        function_id: functionId,
        version: next,
        sha256: artifact.sha256,
        size: artifact.size,
        active: activate,
        created_at: at,
      });
    });
  }

  async listVersions(functionId: string, page: { limit: number; after?: number }): Promise<StoreResult<VersionPage>> {
    // One read transaction: the active flag and the page agree.
    return this.db.transaction(() => {
      const fn = this.readFunction(functionId);
      return fn ? ok(readVersionPage(this.db, functionId, fn.active_version, page)) : NOT_FOUND;
    })();
  }

  async pruneVersions(functionId: string, keep: number): Promise<StoreResult<VersionRecord[]>> {
    return this.write(() => {
      const fn = this.readFunction(functionId);
      return fn ? ok(cutVersions(this.db, functionId, fn.active_version, keep)) : NOT_FOUND;
    });
  }

  async getVersion(functionId: string, version: number): Promise<VersionRecord | null> {
    const fn = this.readFunction(functionId);
    const row =
      fn &&
      (this.db
        .query("SELECT * FROM versions WHERE function_id = ? AND version = ?")
        .get(functionId, version) as VersionRow | null);
    return row ? toVersion(row, fn.active_version) : null;
  }

  async activateVersion(functionId: string, version: number, basis?: CheckBasis): Promise<StoreResult<FunctionRecord>> {
    return this.write(() => {
      const current = this.readFunction(functionId);
      if (!current) return NOT_FOUND;
      if (basis && changedLimits(current, basis)) return CHANGED;
      if (!this.db.query("SELECT 1 FROM versions WHERE function_id = ? AND version = ?").get(functionId, version))
        return { ok: false, reason: "version_not_found", version };
      if (current.active_version === version) return ok(current);
      const at = this.now().toISOString();
      this.db
        .query("UPDATE functions SET active_version = ?, updated_at = ? WHERE id = ?")
        .run(version, at, functionId);
      const after = { ...current, active_version: version, updated_at: at };
      recordChange(this.db, "version.activated", functionId, version, at);
      return ok(after);
    });
  }

  async countFunctions(): Promise<number> {
    return (this.db.query("SELECT COUNT(*) AS n FROM functions").get() as { n: number }).n;
  }

  async revision(): Promise<number> {
    return readCounter(this.db, "revision");
  }

  async changesSince(after: number, maxBytes: number): Promise<FeedPage<ChangeEntry>> {
    return readChanges(this.db, after, maxBytes);
  }

  async snapshotPage(after: string | null, maxBytes: number): Promise<FeedPage<SerializedFunction>> {
    return readSnapshotPage(this.db, after, maxBytes);
  }

  async compactedThrough(): Promise<number> {
    return readCounter(this.db, "compacted_through");
  }

  async pruneDeletions(keep: number): Promise<number> {
    return this.write(() => pruneDeletions(this.db, keep));
  }

  async historyId(): Promise<string> {
    return (this.db.query("SELECT value FROM meta WHERE name = 'history_id'").get() as { value: string }).value;
  }

  async referencedArtifacts(): Promise<Set<string>> {
    const rows = this.db.query("SELECT DISTINCT sha256 FROM versions").all() as { sha256: string }[];
    return new Set(rows.map((row) => row.sha256));
  }

  async artifactReferenced(sha256: string): Promise<boolean> {
    return isReferenced(this.db, sha256);
  }

  close(): void {
    this.db.close();
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

  private readFunction(id: string): FunctionRecord | null {
    const row = this.db.query("SELECT * FROM functions WHERE id = ?").get(id) as FunctionRow | null;
    return row ? toFunction(row) : null;
  }
}
