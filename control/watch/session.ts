// One node socket's session on the watch stream, and the limits that bound every session: what
// the hub (hub.ts) keeps per socket between messages.
import type { Channel } from "./send-window";
import { TokenBucket, type RateLimit } from "./rate-limit";

export interface WatchSocket {
  /** Bun's answer: bytes sent, -1 queued behind backpressure, 0 dropped. */
  send(text: string): number;
  close(code: number, reason: string): void;
}

export interface WatchLimits {
  /** Most node records kept; a hello for a new id beyond it is refused. */
  maxNodes: number;
  /** New node ids per client address. */
  registrations: RateLimit;
  /** Messages a node may send per socket. */
  messages: RateLimit;
  /** Sockets that may have pages queued at once (bounds the memory the stream holds). */
  sendPermits: number;
  /** A socket that neither says hello nor drains a page within this long is closed. */
  stallMs: number;
}

export const DEFAULT_WATCH_LIMITS: Omit<WatchLimits, "maxNodes"> = {
  registrations: { burst: 10, perSecond: 0.5 },
  messages: { burst: 50, perSecond: 20 },
  sendPermits: 4,
  stallMs: 30_000,
};

export interface WatchSession extends Channel {
  readonly socket: WatchSocket;
  /** Client address key (rate limits). */
  readonly client: string;
  readonly since: number;
  readonly history: string | undefined;
  nodeId: string | null;
  instance: string | null;
  /** Revision of the last complete sequence sent; -1 until the first. */
  completed: number;
  /** Where the next changes are read from. */
  cursor: number;
  snapshotDue: boolean;
  pumping: boolean;
  again: boolean;
  lastHeard: number;
  readonly bucket: TokenBucket;
  helloTimer: ReturnType<typeof setTimeout> | null;
}

/** A session for a socket that has not said hello yet. */
export function newSession(
  socket: WatchSocket,
  client: string,
  since: number,
  history: string | undefined,
  messages: RateLimit,
): WatchSession {
  return {
    socket,
    client,
    since,
    history,
    send: (text) => socket.send(text),
    drained: null,
    closed: false,
    nodeId: null,
    instance: null,
    completed: -1,
    cursor: 0,
    snapshotDue: false,
    pumping: false,
    again: false,
    lastHeard: Date.now(),
    bucket: new TokenBucket(messages),
    helloTimer: null,
  };
}
