// The control plane's side of the watch stream: one session per node socket. A session starts
// with a snapshot (or resumes after the node's revision when the history still holds it), then
// gets every change in revision order, pushed when the store signals a commit. Heartbeats keep
// idle sockets honest in both directions. No HTTP or Elysia here: sockets are an interface.
import type { ChangeRecord, NodeMessage, ServerMessage, WatchChange } from "../contract";
import type { Logger } from "../../runner/observe/log";
import type { MetadataStore } from "../store/metadata-store";
import type { NodeStore } from "../store/node-store";
import { storageFailure } from "../store/storage-errors";

export interface WatchSocket {
  /** Bun's answer: bytes sent, -1 queued behind backpressure, 0 dropped. */
  send(text: string): number;
  close(code: number, reason: string): void;
}

export interface WatchHubDeps {
  metadata: MetadataStore;
  nodes: NodeStore;
  logger: Logger;
  historyId: string;
  /** Changes kept for resuming nodes; older ones are pruned and such nodes get a snapshot. */
  changeRetention: number;
  heartbeatMs: number;
  observeMessage?(type: ServerMessage["type"]): void;
  now?(): Date;
}

export interface WatchSession {
  readonly socket: WatchSocket;
  /** Last revision sent on this socket; -1 until the initial state is out. */
  sent: number;
  nodeId: string | null;
  pumping: boolean;
  again: boolean;
  closed: boolean;
}

/** Changes per message: bounds a message while a node catches up on a long history. */
const BATCH = 500;

export class WatchHub {
  private readonly sessions = new Set<WatchSession>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly now: () => Date;
  private recordFailing = false;

  constructor(private readonly deps: WatchHubDeps) {
    this.now = deps.now ?? (() => new Date());
    this.heartbeat = setInterval(() => this.beat(), deps.heartbeatMs);
    this.heartbeat.unref?.();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Registers a socket; `start` then sends its initial state. */
  open(socket: WatchSocket): WatchSession {
    const session: WatchSession = { socket, sent: -1, nodeId: null, pumping: false, again: false, closed: false };
    this.sessions.add(session);
    return session;
  }

  async start(session: WatchSession, since: number, history: string | undefined): Promise<void> {
    try {
      const [revision, first] = await Promise.all([this.deps.metadata.revision(), this.deps.metadata.historyStart()]);
      // Resume only within this history, and only when every change after `since` is still kept.
      const resumable = since > 0 && history === this.deps.historyId && since <= revision && since >= first - 1;
      if (resumable) session.sent = since;
      else await this.sendSnapshot(session);
      await this.pump(session);
    } catch (error) {
      this.fail(session, error);
    }
  }

  async message(session: WatchSession, message: NodeMessage): Promise<void> {
    const at = this.now();
    try {
      if (message.type === "hello") {
        for (const other of this.sessions) {
          if (other !== session && other.nodeId === message.node_id) {
            other.nodeId = null; // its close must not mark the node disconnected
            other.socket.close(4001, "replaced by a newer connection of the same node");
          }
        }
        session.nodeId = message.node_id;
        this.deps.logger.log("info", "node connected", { node_id: message.node_id, address: message.address, revision: message.revision });
        await this.record(() => this.deps.nodes.connected({ id: message.node_id, address: message.address, version: message.version }, message.revision, at));
      } else if (session.nodeId) {
        await this.record(() => this.deps.nodes.applied(session.nodeId!, message.revision, message.problems, at));
      }
    } catch (error) {
      this.fail(session, error);
    }
  }

  /**
   * Writes what a node reported. The stream is a read: when the data dir can't be written (full,
   * read-only) the node keeps its socket and only the node list goes stale, logged once per outage.
   */
  private async record(write: () => Promise<void>): Promise<void> {
    try {
      await write();
      if (this.recordFailing) this.deps.logger.log("info", "recording node reports works again");
      this.recordFailing = false;
    } catch (error) {
      if (!storageFailure(error)) throw error;
      if (!this.recordFailing) this.deps.logger.log("warn", "cannot record node reports: the data dir cannot be written; the node list is stale until it can", { error: String(error) });
      this.recordFailing = true;
    }
  }

  async close(session: WatchSession): Promise<void> {
    session.closed = true;
    this.sessions.delete(session);
    if (!session.nodeId) return;
    this.deps.logger.log("info", "node disconnected", { node_id: session.nodeId });
    await this.deps.nodes.disconnected(session.nodeId, this.now()).catch((error) => this.deps.logger.log("error", "recording a node's disconnect failed", { error: String(error) }));
  }

  /** The store committed something: push it to every session, then prune the history. */
  async changed(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => this.pump(session)));
    try {
      const [revision, first] = await Promise.all([this.deps.metadata.revision(), this.deps.metadata.historyStart()]);
      if (revision - first + 1 > this.deps.changeRetention) await this.deps.metadata.pruneChanges(this.deps.changeRetention);
    } catch (error) {
      this.deps.logger.log("error", "pruning the change history failed", { error: String(error) });
    }
  }

  stop(): void {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.socket.close(1001, "control plane stopping");
    this.sessions.clear();
  }

  /** Sends what the session hasn't had yet; one pump per session at a time, re-run if signalled meanwhile. */
  private async pump(session: WatchSession): Promise<void> {
    if (session.sent < 0 || session.closed) return;
    if (session.pumping) {
      session.again = true;
      return;
    }
    session.pumping = true;
    try {
      do {
        session.again = false;
        for (;;) {
          const changes = await this.deps.metadata.changesSince(session.sent, BATCH);
          if (changes.length === 0 || session.closed) break;
          // The changes right after `sent` were pruned under a slow node: start it over.
          if (changes[0]!.revision !== session.sent + 1) {
            await this.sendSnapshot(session);
            continue;
          }
          const enriched = await Promise.all(changes.map((change) => this.withArtifact(change)));
          this.send(session, { type: "changes", history_id: this.deps.historyId, changes: enriched });
          session.sent = changes[changes.length - 1]!.revision;
        }
      } while (session.again && !session.closed);
    } catch (error) {
      this.fail(session, error);
    } finally {
      session.pumping = false;
    }
  }

  private async sendSnapshot(session: WatchSession): Promise<void> {
    const snapshot = await this.deps.metadata.snapshot();
    this.send(session, { type: "snapshot", history_id: this.deps.historyId, revision: snapshot.revision, functions: snapshot.functions });
    session.sent = snapshot.revision;
  }

  /**
   * The change with the active version's hash, which nodes verify downloads against. Versions
   * never change, so reading it now gives what it was then; only a function deleted since has
   * none left, and its deletion follows in the feed.
   */
  private async withArtifact(change: ChangeRecord): Promise<WatchChange> {
    const active = change.function?.active_version ?? null;
    const version = active === null ? null : await this.deps.metadata.getVersion(change.function_id, active);
    return { ...change, artifact: version ? { version: version.version, sha256: version.sha256, size: version.size } : null };
  }

  private beat(): void {
    for (const session of this.sessions) if (session.sent >= 0) this.send(session, { type: "heartbeat", revision: session.sent });
  }

  private send(session: WatchSession, message: ServerMessage): void {
    if (session.closed) return;
    if (session.socket.send(JSON.stringify(message)) === 0) {
      // Dropped (the node reads too slowly): a gap in its feed. Closing makes it resume or resync.
      session.closed = true;
      session.socket.close(1013, "node too slow; reconnect");
      return;
    }
    this.deps.observeMessage?.(message.type);
  }

  private fail(session: WatchSession, error: unknown): void {
    this.deps.logger.log("error", "watch session failed", { node_id: session.nodeId, error: String((error as Error)?.stack ?? error) });
    session.socket.close(1011, "internal error");
  }
}
