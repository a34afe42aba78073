// GET /api/v1/watch: the WebSocket edge nodes follow (see hub.ts). The bearer check runs on the
// upgrade request like on any /api route, so the read-only token is enough to connect; being a
// node takes a hello with the node's key (admission.ts). New sockets are rate limited per client
// address before the upgrade.
import { Elysia } from "elysia";
import { Value } from "@sinclair/typebox/value";
import {
  MAX_NODE_MESSAGE_BYTES,
  MAX_WATCH_MESSAGE_BYTES,
  NodeMessage,
  WATCH_CLOSE,
  WATCH_PATH,
  WATCH_PROTOCOL,
  WatchQuery,
} from "../../core/contract";
import { ApiError } from "../errors";
import type { WatchHub } from "./hub";
import type { WatchSession } from "./session";
import { KeyedRateLimiter, addressKey, type RateLimit } from "./rate-limit";

/** New watch sockets per client address: a fleet behind one address reconnects within seconds. */
const WATCH_CONNECTIONS: RateLimit = { burst: 20, perSecond: 5 };

/**
 * Bun's WebSocket settings for the server (they are per server, not per route): node messages
 * are small; pages are paced by the hub, so the send buffer needs room for about two.
 */
export const WATCH_SOCKET_OPTIONS = {
  maxPayloadLength: MAX_NODE_MESSAGE_BYTES,
  backpressureLimit: 4 * MAX_WATCH_MESSAGE_BYTES,
  closeOnBackpressureLimit: false,
  perMessageDeflate: false,
} as const;

export function watchController(hub: WatchHub, connections: RateLimit = WATCH_CONNECTIONS) {
  // Elysia wraps the socket anew per event; Bun's own socket (`raw`) is the stable identity.
  const sessions = new WeakMap<object, WatchSession>();
  const limiter = new KeyedRateLimiter(connections);
  return new Elysia({ name: "watch" }).ws(WATCH_PATH, {
    query: WatchQuery,
    // In `upgrade`, not `beforeHandle`: Elysia runs a ws route's beforeHandle twice per request.
    upgrade({ server, request }) {
      if (!limiter.take(addressKey(server?.requestIP(request)?.address))) {
        throw new ApiError(429, "rate_limited", "too many watch connections from this address; retry in a few seconds");
      }
    },
    open(ws) {
      const raw = ws.raw;
      const { since, history, protocol } = ws.data.query;
      if (Number(protocol ?? 1) !== WATCH_PROTOCOL) {
        raw.close(WATCH_CLOSE.protocol, `this control plane speaks watch protocol ${WATCH_PROTOCOL}; upgrade the node`);
        return;
      }
      const session = hub.open(
        { send: (text) => raw.send(text), close: (code, reason) => raw.close(code, reason) },
        addressKey(raw.remoteAddress),
        Number(since ?? 0),
        history,
      );
      sessions.set(raw, session);
    },
    message(ws, message) {
      const session = sessions.get(ws.raw);
      if (!session) return;
      if (!Value.Check(NodeMessage, message)) {
        ws.raw.close(1008, "not a watch message (expected hello or applied)");
        return;
      }
      void hub.message(session, message);
    },
    drain(ws) {
      const session = sessions.get(ws.raw);
      if (session) hub.drained(session);
    },
    close(ws) {
      const session = sessions.get(ws.raw);
      if (session) void hub.close(session);
    },
    detail: {
      tags: ["nodes"],
      security: [{ bearerAuth: [] }],
      summary: "Watch deployments (WebSocket)",
      description:
        `Edge nodes connect here with the admin or read-only token and \`?protocol=${WATCH_PROTOCOL}\`. The node first sends \`hello\` {node_id, address, version, revision, key, instance}; ` +
        "the first hello of a node id registers its key, later ones must bring the same key. Then the control plane sends a `snapshot` (pages, the last with `last: true`), " +
        "then `changes` pages, and a `heartbeat` every few seconds; the node answers with `applied` {revision, problems}. " +
        `No message exceeds ${MAX_WATCH_MESSAGE_BYTES} bytes; a function too large for one travels as \`part\`s. ` +
        "`?since=<revision>&history=<id>` resumes after that revision when nothing it needs was forgotten; otherwise a snapshot comes first. See docs/edge.md.",
    },
  });
}
