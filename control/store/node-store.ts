// Where the control plane remembers the edge nodes that follow its watch stream, so
// `GET /api/v1/nodes` shows which node runs which revision, also after a restart, and which
// node key each node id belongs to.
import type { NodeProblem, NodeRecord } from "../../core/contract";

export interface NodeIdentity {
  id: string;
  address: string;
  version: string;
  /** SHA-256 (hex) of the node's key; the key itself is never stored. */
  keySha256: string;
}

export interface NodePage {
  items: NodeRecord[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface NodeStore {
  /** The key hash registered for `id`: undefined when no such node, null when none (recorded before keys). */
  keyOf(id: string): Promise<string | null | undefined>;
  count(): Promise<number>;
  /** A node said hello on a new socket: (re)registers it, with its key, as connected at `revision`. */
  connected(node: NodeIdentity, revision: number, at: Date): Promise<void>;
  /** The node has `revision` live; `problems` replace the previous ones. */
  applied(id: string, revision: number, problems: NodeProblem[], at: Date): Promise<void>;
  disconnected(id: string, at: Date): Promise<void>;
  /** At start nothing is connected yet, whatever the last process recorded. */
  disconnectAll(at: Date): Promise<void>;
  /** By id, `limit` at a time after the id `after`. */
  list(page: { limit: number; after?: string }): Promise<NodePage>;
  /** Forgets nodes disconnected and not seen since before `before`; returns how many. */
  expire(before: Date): Promise<number>;
  /** Forgets one node (its id and key can be registered anew); false when there was none. */
  remove(id: string): Promise<boolean>;
  close(): void;
}
