// The control plane's side of the watch stream: one session per node socket. A socket must
// first say hello as a node (admission.ts); then it gets a snapshot (or resumes after the
// node's revision when nothing it needs was forgotten), then the changes, pushed when the store
// signals a commit. Everything goes out in pages of bounded size (sequence-writer.ts), paced by
// the sockets' backpressure (send-window.ts). Heartbeats keep idle sockets honest both ways.
// A session's state is in session.ts; node reports are written by node-reports.ts. No HTTP or
// Elysia here: sockets are an interface.
import {
  MAX_REPORTED_PROBLEMS,
  WATCH_CLOSE,
  type HelloMessage,
  type NodeMessage,
  type ServerMessage,
} from "../../core/contract";
import type { Logger } from "../../core/observe/log";
import type { MetadataStore } from "../store/metadata-store";
import type { NodeStore } from "../store/node-store";
import type { SecretBox } from "../store/secret-box";
import { admit } from "./admission";
import { NodeReports } from "./node-reports";
import { KeyedRateLimiter } from "./rate-limit";
import { SendWindow } from "./send-window";
import { secretsOpener } from "./secrets";
import { sendChanges, sendSnapshot, type Feed } from "./sequences";
import { newSession, type WatchLimits, type WatchSession, type WatchSocket } from "./session";

export interface WatchHubDeps {
  metadata: MetadataStore;
  nodes: NodeStore;
  logger: Logger;
  historyId: string;
  /** Deletions kept for resuming nodes; a node behind an older one gets a snapshot. */
  changeRetention: number;
  heartbeatMs: number;
  limits: WatchLimits;
  observeMessage?(type: ServerMessage["type"]): void;
  now?(): Date;
  /** Opens the functions' secrets for the nodes; null or absent: secrets are disabled. */
  secrets?: SecretBox | null;
}

/** Silence from a node for this many heartbeats: its socket is dead even if TCP hasn't said so. */
const SILENT_BEATS = 4;
/** How often forgotten deletions are pruned (not per commit: it scans the tombstones). */
const PRUNE_EVERY_MS = 60_000;

export class WatchHub {
  private readonly sessions = new Set<WatchSession>();
  private readonly live = new Map<string, WatchSession>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly now: () => Date;
  private readonly window: SendWindow;
  private readonly registrations: KeyedRateLimiter;
  private readonly reports: NodeReports;
  private prunedAt = 0;
  private readonly feed: Feed;

  constructor(private readonly deps: WatchHubDeps) {
    this.now = deps.now ?? (() => new Date());
    this.feed = { metadata: deps.metadata, historyId: deps.historyId, open: secretsOpener(deps.secrets ?? null) };
    this.window = new SendWindow(deps.limits.sendPermits, deps.limits.stallMs);
    this.registrations = new KeyedRateLimiter(deps.limits.registrations);
    this.reports = new NodeReports(deps.logger);
    this.heartbeat = setInterval(() => this.beat(), deps.heartbeatMs);
    this.heartbeat.unref?.();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Registers a socket; nothing is sent until it says hello. */
  open(socket: WatchSocket, client: string, since: number, history: string | undefined): WatchSession {
    const session = newSession(socket, client, since, history, this.deps.limits.messages);
    session.helloTimer = setTimeout(
      () => this.shut(session, WATCH_CLOSE.misbehaved, "no hello"),
      this.deps.limits.stallMs,
    );
    this.sessions.add(session);
    return session;
  }

  async message(session: WatchSession, message: NodeMessage): Promise<void> {
    if (session.closed) return;
    session.lastHeard = Date.now();
    if (!session.bucket.take()) return this.shut(session, WATCH_CLOSE.misbehaved, "too many messages");
    try {
      if (message.type === "hello") await this.hello(session, message);
      else if (!session.nodeId) this.shut(session, WATCH_CLOSE.misbehaved, "hello first");
      else
        await this.reports.record(() =>
          this.deps.nodes.applied(
            session.nodeId!,
            message.revision,
            message.problems.slice(0, MAX_REPORTED_PROBLEMS),
            this.now(),
          ),
        );
    } catch (error) {
      this.fail(session, error);
    }
  }

  /** The socket can take more: a page waiting on it may go. */
  drained(session: WatchSession): void {
    session.drained?.();
  }

  async close(session: WatchSession): Promise<void> {
    this.window.closed(session);
    if (session.helloTimer) clearTimeout(session.helloTimer);
    this.sessions.delete(session);
    if (!session.nodeId || this.live.get(session.nodeId) !== session) return;
    this.live.delete(session.nodeId);
    this.deps.logger.log("info", "node disconnected", { node_id: session.nodeId });
    await this.deps.nodes
      .disconnected(session.nodeId, this.now())
      .catch((error) =>
        this.deps.logger.log("error", "recording a node's disconnect failed", { error: String(error) }),
      );
  }

  /** The store committed something: push it to every node. */
  async changed(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => this.pump(session)));
  }

  /** Forgets deletions beyond the retention (at start, then at most once a minute). */
  async prune(): Promise<void> {
    this.prunedAt = Date.now();
    try {
      const dropped = await this.deps.metadata.pruneDeletions(this.deps.changeRetention);
      if (dropped > 0) this.deps.logger.log("debug", "forgot old deletions", { count: dropped });
    } catch (error) {
      this.deps.logger.log("error", "pruning the change history failed", { error: String(error) });
    }
  }

  /** Closes the socket of node `id`, if connected (its record was deleted). */
  disconnect(id: string): void {
    const session = this.live.get(id);
    if (session) this.shut(session, 1000, "node record deleted");
  }

  stop(): void {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) {
      this.window.closed(session);
      session.socket.close(1001, "control plane stopping");
    }
    this.sessions.clear();
  }

  private async hello(session: WatchSession, hello: HelloMessage): Promise<void> {
    if (session.nodeId || session.instance) return this.shut(session, WATCH_CLOSE.misbehaved, "one hello per socket");
    session.instance = hello.instance; // taken before the await: a second hello meanwhile is refused
    const live = this.live.get(hello.node_id);
    const admission = await admit(
      { nodes: this.deps.nodes, maxNodes: this.deps.limits.maxNodes, registrations: this.registrations },
      hello,
      session.client,
      live && { instance: live.instance! },
    );
    if (session.closed) return;
    const log = { node_id: hello.node_id, client: session.client, address: hello.address, instance: hello.instance };
    if (!admission.ok) {
      this.deps.logger.log("warn", "node refused", {
        ...log,
        code: admission.code,
        reason: admission.reason,
        ...(live ? { connected_instance: live.instance } : {}),
      });
      return this.shut(session, admission.code, admission.reason);
    }
    // The registration may have raced another hello for the same id: the first to get here wins.
    const raced = this.live.get(hello.node_id);
    if (raced && raced !== live)
      return this.shut(session, WATCH_CLOSE.duplicate, "node id connected from another process");
    if (live) {
      live.nodeId = null; // its close must not mark the node disconnected
      this.shut(live, WATCH_CLOSE.replaced, "replaced by a newer connection of the same node process");
    }
    if (session.helloTimer) clearTimeout(session.helloTimer);
    session.helloTimer = null;
    session.nodeId = hello.node_id;
    this.live.set(hello.node_id, session);
    this.deps.logger.log(
      "info",
      admission.registered === "new"
        ? "node registered"
        : admission.registered === "claimed"
          ? "node claimed its record with a key"
          : "node connected",
      { ...log, revision: hello.revision },
    );
    await this.reports.record(() =>
      this.deps.nodes.connected(
        { id: hello.node_id, address: hello.address, version: hello.version, keySha256: admission.keySha256 },
        hello.revision,
        this.now(),
      ),
    );
    await this.start(session);
  }

  /** Resume after the node's revision when every change it needs is kept; otherwise a snapshot. */
  private async start(session: WatchSession): Promise<void> {
    const [revision, compacted] = await Promise.all([
      this.deps.metadata.revision(),
      this.deps.metadata.compactedThrough(),
    ]);
    const { since, history } = session;
    const resumable = since > 0 && history === this.deps.historyId && since <= revision && since >= compacted;
    if (resumable) session.cursor = session.completed = since;
    else session.snapshotDue = true;
    await this.pump(session);
  }

  /** Sends what the session hasn't had yet; one pump per session at a time, re-run if signalled meanwhile. */
  private async pump(session: WatchSession): Promise<void> {
    // Not before start() has decided between resuming and a snapshot.
    if (!session.nodeId || session.closed || (session.completed < 0 && !session.snapshotDue)) return;
    if (session.pumping) {
      session.again = true;
      return;
    }
    session.pumping = true;
    try {
      do {
        session.again = false;
        // Deletions after the session's cursor were forgotten under a slow node: start it over.
        if (!session.snapshotDue && session.cursor < (await this.deps.metadata.compactedThrough()))
          session.snapshotDue = true;
        const send = (text: string) => this.sendPage(session, text);
        if (session.snapshotDue) {
          const revision = await sendSnapshot(this.feed, send);
          if (revision === null) return;
          session.snapshotDue = false;
          session.cursor = session.completed = revision;
        }
        const revision = await sendChanges(this.feed, session.cursor, send);
        if (revision === null) return;
        session.cursor = session.completed = revision;
      } while (session.again && !session.closed);
    } catch (error) {
      this.fail(session, error);
    } finally {
      session.pumping = false;
    }
  }

  private async sendPage(session: WatchSession, text: string): Promise<boolean> {
    const result = await this.window.send(session, text);
    if (result === "sent") {
      this.deps.observeMessage?.(
        text.startsWith('{"type":"part"') ? "part" : text.startsWith('{"type":"snapshot"') ? "snapshot" : "changes",
      );
      return true;
    }
    if (result === "dropped" || result === "stalled") this.shut(session, 1013, "node too slow; reconnect");
    return false;
  }

  private beat(): void {
    const silentMs = SILENT_BEATS * this.deps.heartbeatMs;
    for (const session of this.sessions) {
      if (!session.nodeId) continue;
      if (Date.now() - session.lastHeard > silentMs) {
        this.deps.logger.log("warn", "node silent; closing its socket", {
          node_id: session.nodeId,
          silent_ms: silentMs,
        });
        this.shut(session, 1001, "no message from the node");
        continue;
      }
      // Dropped (the node reads too slowly): a gap in its feed. Closing makes it resume.
      if (session.socket.send(JSON.stringify({ type: "heartbeat", revision: Math.max(session.completed, 0) })) === 0)
        this.shut(session, 1013, "node too slow; reconnect");
      else this.deps.observeMessage?.("heartbeat");
    }
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) void this.prune();
  }

  private shut(session: WatchSession, code: number, reason: string): void {
    if (session.closed) return;
    this.window.closed(session);
    session.socket.close(code, reason);
  }

  private fail(session: WatchSession, error: unknown): void {
    this.deps.logger.log("error", "watch session failed", {
      node_id: session.nodeId,
      error: String((error as Error)?.stack ?? error),
    });
    this.shut(session, 1011, "internal error");
  }
}
