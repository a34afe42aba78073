// NodeStore on bun:sqlite. Its own connection to the metadata file (WAL allows it), so node
// heartbeats never wait behind a metadata transaction in the same connection.
import type { Database } from "bun:sqlite";
import type { NodeProblem, NodeRecord } from "../contract";
import type { NodeIdentity, NodeStore } from "./node-store";
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
  }

  async connected(node: NodeIdentity, revision: number, at: Date): Promise<void> {
    const now = at.toISOString();
    this.db
      .query(
        `INSERT INTO nodes (id, address, version, applied_revision, connected, connected_at, last_seen, problems) VALUES (?, ?, ?, ?, 1, ?, ?, '[]')
         ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, applied_revision = excluded.applied_revision,
           connected = 1, connected_at = excluded.connected_at, last_seen = excluded.last_seen`,
      )
      .run(node.id, node.address, node.version, revision, now, now);
  }

  async applied(id: string, revision: number, problems: NodeProblem[], at: Date): Promise<void> {
    this.db.query("UPDATE nodes SET applied_revision = ?, problems = ?, last_seen = ? WHERE id = ?").run(revision, JSON.stringify(problems), at.toISOString(), id);
  }

  async disconnected(id: string, at: Date): Promise<void> {
    this.db.query("UPDATE nodes SET connected = 0, last_seen = ? WHERE id = ?").run(at.toISOString(), id);
  }

  async disconnectAll(at: Date): Promise<void> {
    this.db.query("UPDATE nodes SET connected = 0, last_seen = ? WHERE connected = 1").run(at.toISOString());
  }

  async list(): Promise<NodeRecord[]> {
    const rows = this.db.query("SELECT * FROM nodes ORDER BY id").all() as NodeRow[];
    return rows.map((row) => ({ ...row, connected: row.connected === 1, problems: JSON.parse(row.problems) as NodeProblem[] }));
  }

  close(): void {
    this.db.close();
  }
}
