// NodeStore on PostgreSQL, shared by every replica: a node's row names the replica whose socket
// it is on, so a replica's start (disconnectAll) and a late close of a socket the node has since
// left for another replica only touch that replica's own rows.
import type { SQL } from "bun";
import type { NodeProblem } from "../../../core/contract";
import type { NodeIdentity, NodePage, NodeStore } from "../node-store";

interface NodeRow {
  id: string;
  address: string;
  version: string;
  applied_revision: string;
  connected: boolean;
  connected_at: string;
  last_seen: string;
  problems: string;
}

export class PostgresNodeStore implements NodeStore {
  /** `replica`: this control plane's stable id (data-dir/replica-id). */
  constructor(
    private readonly sql: SQL,
    private readonly replica: string,
  ) {}

  async keyOf(id: string): Promise<string | null | undefined> {
    const [row] = await this.sql`SELECT key_sha256 FROM nodes WHERE id = ${id}`;
    return row ? (row as { key_sha256: string | null }).key_sha256 : undefined;
  }

  async count(): Promise<number> {
    const [row] = await this.sql`SELECT COUNT(*)::int AS n FROM nodes`;
    return (row as { n: number }).n;
  }

  async connected(node: NodeIdentity, revision: number, at: Date): Promise<void> {
    const now = at.toISOString();
    await this
      .sql`INSERT INTO nodes (id, address, version, applied_revision, connected, connected_at, last_seen, problems, key_sha256, replica)
      VALUES (${node.id}, ${node.address}, ${node.version}, ${revision}, TRUE, ${now}, ${now}, '[]', ${node.keySha256}, ${this.replica})
      ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, applied_revision = excluded.applied_revision,
        connected = TRUE, connected_at = excluded.connected_at, last_seen = excluded.last_seen, key_sha256 = excluded.key_sha256, replica = excluded.replica`;
  }

  async applied(id: string, revision: number, problems: NodeProblem[], at: Date): Promise<void> {
    await this
      .sql`UPDATE nodes SET applied_revision = ${revision}, problems = ${JSON.stringify(problems)}, last_seen = ${at.toISOString()}
      WHERE id = ${id} AND replica = ${this.replica}`;
  }

  async disconnected(id: string, at: Date): Promise<void> {
    await this
      .sql`UPDATE nodes SET connected = FALSE, last_seen = ${at.toISOString()} WHERE id = ${id} AND replica = ${this.replica}`;
  }

  async disconnectAll(at: Date): Promise<void> {
    await this
      .sql`UPDATE nodes SET connected = FALSE, last_seen = ${at.toISOString()} WHERE connected AND replica = ${this.replica}`;
  }

  async list({ limit, after }: { limit: number; after?: string }): Promise<NodePage> {
    const rows = (await this
      .sql`SELECT id, address, version, applied_revision, connected, connected_at, last_seen, problems
      FROM nodes WHERE id > ${after ?? ""} ORDER BY id LIMIT ${limit + 1}`) as NodeRow[];
    const items = rows.slice(0, limit).map((row) => ({
      ...row,
      applied_revision: Number(row.applied_revision),
      problems: JSON.parse(row.problems) as NodeProblem[],
    }));
    return { items, next: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  async expire(before: Date): Promise<number> {
    const deleted = await this.sql`DELETE FROM nodes WHERE NOT connected AND last_seen < ${before.toISOString()}`;
    return deleted.count;
  }

  async remove(id: string): Promise<boolean> {
    const deleted = await this.sql`DELETE FROM nodes WHERE id = ${id}`;
    return deleted.count > 0;
  }

  close(): void {}
}
