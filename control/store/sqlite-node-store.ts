// NodeStore on bun:sqlite. Its own connection to the metadata file (WAL allows it), so node
// reports never wait behind a metadata transaction in the same connection. Reports are not
// worth an fsync each (synchronous NORMAL on this connection): a power cut may lose the last
// seconds of them, which the nodes send again anyway.
import type { Database } from "bun:sqlite";
import type { NodeProblem, NodeRecord } from "../../core/contract";
import type { NodeIdentity, NodePage, NodeStore } from "./node-store";
import { openMetadataDatabase } from "./sqlite-open";

interface NodeRow {
  id: string;
  address: string;
  version: string;
  applied_revision: number;
  connected: number;
  connected_at: string;
  last_seen: string;
  problems: string;
}

export class SqliteNodeStore implements NodeStore {
  private readonly db: Database;

  /** `path` is the metadata file (schema shared with SqliteMetadataStore) or ":memory:". */
  constructor(path: string) {
    this.db = openMetadataDatabase(path);
    this.db.exec("PRAGMA synchronous = NORMAL");
  }

  async keyOf(id: string): Promise<string | null | undefined> {
    const row = this.db.query("SELECT key_sha256 FROM nodes WHERE id = ?").get(id) as {
      key_sha256: string | null;
    } | null;
    return row ? row.key_sha256 : undefined;
  }

  async count(): Promise<number> {
    return (this.db.query("SELECT COUNT(*) AS n FROM nodes").get() as { n: number }).n;
  }

  async connected(node: NodeIdentity, revision: number, at: Date): Promise<void> {
    const now = at.toISOString();
    this.db
      .query(
        `INSERT INTO nodes (id, address, version, applied_revision, connected, connected_at, last_seen, problems, key_sha256) VALUES (?, ?, ?, ?, 1, ?, ?, '[]', ?)
         ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, applied_revision = excluded.applied_revision,
           connected = 1, connected_at = excluded.connected_at, last_seen = excluded.last_seen, key_sha256 = excluded.key_sha256`,
      )
      .run(node.id, node.address, node.version, revision, now, now, node.keySha256);
  }

  async applied(id: string, revision: number, problems: NodeProblem[], at: Date): Promise<void> {
    this.db
      .query("UPDATE nodes SET applied_revision = ?, problems = ?, last_seen = ? WHERE id = ?")
      .run(revision, JSON.stringify(problems), at.toISOString(), id);
  }

  async disconnected(id: string, at: Date): Promise<void> {
    this.db.query("UPDATE nodes SET connected = 0, last_seen = ? WHERE id = ?").run(at.toISOString(), id);
  }

  async disconnectAll(at: Date): Promise<void> {
    this.db.query("UPDATE nodes SET connected = 0, last_seen = ? WHERE connected = 1").run(at.toISOString());
  }

  async list({ limit, after }: { limit: number; after?: string }): Promise<NodePage> {
    const rows = this.db
      .query(
        "SELECT id, address, version, applied_revision, connected, connected_at, last_seen, problems FROM nodes WHERE id > ? ORDER BY id LIMIT ?",
      )
      .all(after ?? "", limit + 1) as NodeRow[];
    const items = rows
      .slice(0, limit)
      .map((row) => ({ ...row, connected: row.connected === 1, problems: JSON.parse(row.problems) as NodeProblem[] }));
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async expire(before: Date): Promise<number> {
    return this.db.query("DELETE FROM nodes WHERE connected = 0 AND last_seen < ?").run(before.toISOString()).changes;
  }

  async remove(id: string): Promise<boolean> {
    return this.db.query("DELETE FROM nodes WHERE id = ?").run(id).changes > 0;
  }

  close(): void {
    this.db.close();
  }
}
