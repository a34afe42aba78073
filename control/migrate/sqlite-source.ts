// Reads an embedded installation (metadata.sqlite in a data dir) for `control migrate`: every
// function with its versions and sealed secrets, and the node records with their key hashes,
// straight from the file, read-only, a function at a time.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { FunctionRecord, NodeProblem, VersionRecord } from "../../core/contract";
import { toFunction, toVersion, type FunctionRow, type VersionRow } from "../store/rows";
import type { StoredSecret } from "../store/postgres/import";

export interface SourceFunction {
  fn: FunctionRecord;
  versions: VersionRecord[];
  secrets: StoredSecret[];
}

export interface SourceNode {
  id: string;
  address: string;
  version: string;
  connected_at: string;
  last_seen: string;
  problems: NodeProblem[];
  keySha256: string | null;
}

export class SqliteSource {
  private readonly db: Database;

  /** Throws when the data dir has no metadata file. */
  constructor(dataDir: string) {
    this.db = new Database(join(dataDir, "metadata.sqlite"), { readonly: true, create: false });
    const { user_version } = this.db.query("PRAGMA user_version").get() as { user_version: number };
    if (user_version < 6)
      throw new Error(`its metadata schema is ${user_version}; start this release's control plane on it once first`);
  }

  *functions(): Generator<SourceFunction> {
    const ids = this.db.query("SELECT id FROM functions ORDER BY id").all() as { id: string }[];
    for (const { id } of ids) {
      const row = this.db.query("SELECT * FROM functions WHERE id = ?").get(id) as FunctionRow | null;
      if (!row) continue;
      const fn = toFunction(row);
      const versions = (
        this.db.query("SELECT * FROM versions WHERE function_id = ? ORDER BY version").all(id) as VersionRow[]
      ).map((v) => toVersion(v, fn.active_version));
      const secrets = (
        this.db
          .query("SELECT key, sealed, json_bytes, updated_at FROM secrets WHERE function_id = ? ORDER BY key")
          .all(id) as { key: string; sealed: Uint8Array; json_bytes: number; updated_at: string }[]
      ).map((s) => ({ key: s.key, sealed: s.sealed, jsonBytes: s.json_bytes, updatedAt: s.updated_at }));
      yield { fn, versions, secrets };
    }
  }

  nodes(): SourceNode[] {
    const rows = this.db
      .query("SELECT id, address, version, connected_at, last_seen, problems, key_sha256 FROM nodes ORDER BY id")
      .all() as (Omit<SourceNode, "problems" | "keySha256"> & { problems: string; key_sha256: string | null })[];
    return rows.map(({ problems, key_sha256, ...rest }) => ({
      ...rest,
      problems: JSON.parse(problems) as NodeProblem[],
      keySha256: key_sha256,
    }));
  }

  close(): void {
    this.db.close();
  }
}
