// Where the control plane remembers the edge nodes that follow its watch stream, so
// `GET /api/v1/nodes` shows which node runs which revision, also after a restart.
import type { NodeProblem, NodeRecord } from "../contract";

export interface NodeIdentity {
  id: string;
  address: string;
  version: string;
}

export interface NodeStore {
  /** A node said hello on a new socket: (re)registers it as connected at `revision`. */
  connected(node: NodeIdentity, revision: number, at: Date): Promise<void>;
  /** The node has `revision` live; `problems` replace the previous ones. */
  applied(id: string, revision: number, problems: NodeProblem[], at: Date): Promise<void>;
  disconnected(id: string, at: Date): Promise<void>;
  /** At start nothing is connected yet, whatever the last process recorded. */
  disconnectAll(at: Date): Promise<void>;
  /** By id. */
  list(): Promise<NodeRecord[]>;
  close(): void;
}
