// The node's end of the watch stream: one WebSocket to the control plane, opened with the
// bearer token in a header (never in the URL, so it never lands in a log), resumed after the
// last revision received, and reopened with backoff and jitter whenever it drops or goes quiet.
// Every message is checked against the contract, its size first. When the control plane
// refuses the node itself (its id belongs to another node, the node limit, ...), the node says
// why and what to do, and retries slowly: such a refusal does not go away in seconds.
//
// Given several control planes (--control-plane URL1,URL2,...), it follows one at a time and
// moves to the next in the list whenever the socket fails, closes or goes silent, resuming with
// the same revision and history id (replicas on one database resume; another history answers
// with a snapshot). The backoff, or a refusal's slow retry, applies once per full round of the
// list, so a dead control plane costs one connect attempt, not a wait.
import { Value } from "@sinclair/typebox/value";
import {
  MAX_WATCH_MESSAGE_BYTES,
  ServerMessage,
  WATCH_CLOSE,
  WATCH_PATH,
  WATCH_PROTOCOL,
  type HelloMessage,
  type NodeMessage,
} from "../../../core/contract";
import type { Logger } from "../../../core/observe/log";
import { Backoff, equalJitter } from "../backoff";
import type { ControlPlanes } from "../control-planes";

export interface WatchClientDeps {
  /** Which one it follows moves here (artifact downloads read it). */
  controlPlanes: ControlPlanes;
  token: string;
  logger: Logger;
  hello(): HelloMessage;
  resumePoint(): { since: number; history: string | null };
  /** "resync": the node is out of step; the client reconnects for a snapshot. */
  onMessage(message: ServerMessage): "ok" | "resync";
  onConnected(connected: boolean): void;
  /** No message for this long (3 heartbeats) means the socket is dead even if TCP hasn't said so. */
  silenceMs?: number;
  backoff?: Backoff;
}

/** What a refusal means for this node's operator, by close code. */
const REFUSALS: Record<number, string> = {
  [WATCH_CLOSE.protocol]:
    "the control plane speaks another watch protocol: run the same release on the control plane and its nodes",
  [WATCH_CLOSE.keyMismatch]:
    "this --node-id is registered to another node (its node key differs): give this node its own --node-id; if this node lost its cache dir, forget its old record with DELETE /api/v1/nodes/<id> (admin token)",
  [WATCH_CLOSE.duplicate]:
    "another process with this --node-id and the same cache dir (node key) is connected: give each node its own --node-id and --cache-dir",
  [WATCH_CLOSE.nodeLimit]:
    "the control plane holds --max-nodes node records already: forget unused ones (DELETE /api/v1/nodes/<id>) or raise the limit",
  [WATCH_CLOSE.misbehaved]: "the control plane refused this node's messages",
};
/** A refused node retries after about this long (with jitter), not every few seconds. */
const REFUSED_RETRY_MS = 30_000;

export class WatchClient {
  private socket: WebSocket | null = null;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private readonly backoff: Backoff;
  private readonly silenceMs: number;
  /** Moves to the next control plane since the last wait: as many as there are control planes make a round. */
  private movesThisRound = 0;
  private refusedThisRound = false;

  constructor(private readonly deps: WatchClientDeps) {
    this.backoff = deps.backoff ?? new Backoff();
    this.silenceMs = deps.silenceMs ?? 15_000;
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.close(1001, "node stopping");
    this.socket = null;
  }

  /** Sends if connected; a report lost while disconnected is replaced by the next hello. */
  send(message: NodeMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private connect(): void {
    if (this.stopped) return;
    const { since, history } = this.deps.resumePoint();
    const controlPlane = this.deps.controlPlanes.current;
    const url = new URL(WATCH_PATH, controlPlane.replace(/^http/, "ws"));
    url.searchParams.set("protocol", String(WATCH_PROTOCOL));
    url.searchParams.set("since", String(since));
    if (history) url.searchParams.set("history", history);
    // Bun's WebSocket takes headers; browsers' doesn't, but this runs in Bun.
    const socket = new WebSocket(url.href, {
      headers: { authorization: `Bearer ${this.deps.token}` },
    } as unknown as string[]);
    this.socket = socket;
    let opened = false;
    let reason = "";
    let silence: ReturnType<typeof setTimeout> | null = null;
    const armSilence = () => {
      if (silence) clearTimeout(silence);
      silence = setTimeout(() => {
        this.deps.logger.log("warn", "watch silent; reconnecting", {
          control_plane: controlPlane,
          silent_ms: this.silenceMs,
        });
        // No closing handshake: the peer is presumed gone, and close() would wait for it.
        (socket as WebSocket & { terminate(): void }).terminate();
      }, this.silenceMs);
    };

    socket.onopen = () => {
      opened = true;
      this.deps.onConnected(true);
      this.deps.logger.log("info", "watch connected", {
        control_plane: controlPlane,
        since,
        ...(this.failures > 0 ? { after_failures: this.failures } : {}),
      });
      socket.send(JSON.stringify(this.deps.hello()));
      armSilence();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      armSilence();
      const text = String(event.data);
      const bytes = Buffer.byteLength(text);
      if (bytes > MAX_WATCH_MESSAGE_BYTES) {
        this.deps.logger.log("error", "watch message refused (larger than the contract allows)", {
          bytes,
          limit: MAX_WATCH_MESSAGE_BYTES,
        });
        socket.close(1009, "message too big");
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        message = undefined;
      }
      if (!Value.Check(ServerMessage, message)) {
        this.deps.logger.log("error", "watch message refused (not the contract's shape)", {
          error: Value.Errors(ServerMessage, message).First()?.message,
        });
        socket.close(1008, "invalid message");
        return;
      }
      // A message got through, so the connection works: the next drop starts the backoff over.
      this.failures = 0;
      this.backoff.reset();
      this.refusedThisRound = false;
      if (this.deps.onMessage(message) === "resync") {
        this.socket = null;
        socket.close(1000, "resync");
        this.scheduleReconnect(0);
      }
    };
    socket.onerror = (event) => {
      reason = (event as ErrorEvent).message ?? "socket error";
    };
    socket.onclose = (event) => {
      if (silence) clearTimeout(silence);
      if (opened) this.deps.onConnected(false);
      if (this.socket !== socket) return; // replaced on purpose (resync or stop)
      this.socket = null;
      this.failures++;
      const refusal = REFUSALS[event.code];
      const { delay, next } = this.moveOn(refusal !== undefined);
      // With several control planes every close is a failover: say to which one.
      const where = {
        control_plane: controlPlane,
        ...(this.deps.controlPlanes.size > 1 ? { next_control_plane: next } : {}),
        retry_in_ms: Math.round(delay),
      };
      if (refusal) {
        this.deps.logger.log("error", "control plane refused this node", {
          ...where,
          code: event.code,
          reason: event.reason || undefined,
          advice: refusal,
        });
      } else if (event.code === WATCH_CLOSE.rateLimited) {
        // Too many new ids from this address: a matter of seconds, retried like a failure.
        this.deps.logger.log(
          "warn",
          "control plane refused this node for now: too many new node ids from this address",
          where,
        );
      } else {
        // While the control planes are down: the first failure and every tenth, not one line per attempt.
        const level = opened || this.failures === 1 || this.failures % 10 === 0 ? "warn" : "debug";
        const what = opened ? "watch disconnected" : "watch connection failed";
        this.deps.logger.log(level, this.deps.controlPlanes.size > 1 ? `${what}; failing over` : what, {
          ...where,
          code: event.code,
          reason: event.reason || reason || undefined,
          failures: this.failures,
        });
      }
      this.scheduleReconnect(delay);
    };
  }

  /**
   * Moves to the next control plane: at once, unless this move completes a round (one move per
   * control plane since the last wait); then wait the backoff's next step, or a refusal's slow
   * retry if one refused this node in the round. A round is counted in moves, not reset by a
   * message: control planes that each answer and then close cannot make the node reconnect
   * without pause (the backoff itself starts over after a message, as with one control plane).
   */
  private moveOn(refused: boolean): { delay: number; next: string } {
    if (refused) this.refusedThisRound = true;
    const next = this.deps.controlPlanes.advance();
    if (++this.movesThisRound < this.deps.controlPlanes.size) return { delay: 0, next };
    const delay = this.refusedThisRound ? equalJitter(REFUSED_RETRY_MS) : this.backoff.next();
    this.movesThisRound = 0;
    this.refusedThisRound = false;
    return { delay, next };
  }

  private scheduleReconnect(delay: number): void {
    if (this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }
}
