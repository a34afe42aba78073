// GET /api/v1/watch: the WebSocket edge nodes follow (see hub.ts). The bearer check runs on the
// upgrade request like on any /api route, so the read-only token is enough.
import { Elysia } from "elysia";
import { Value } from "@sinclair/typebox/value";
import { NodeMessage, WATCH_PATH, WatchQuery } from "../contract";
import type { WatchHub, WatchSession } from "./hub";

export function watchController(hub: WatchHub) {
  // Elysia wraps the socket anew per event; Bun's own socket (`raw`) is the stable identity.
  const sessions = new WeakMap<object, WatchSession>();
  return new Elysia({ name: "watch" }).ws(WATCH_PATH, {
    query: WatchQuery,
    open(ws) {
      const raw = ws.raw;
      const session = hub.open({ send: (text) => raw.send(text), close: (code, reason) => raw.close(code, reason) });
      sessions.set(raw, session);
      void hub.start(session, Number(ws.data.query.since ?? 0), ws.data.query.history);
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
    close(ws) {
      const session = sessions.get(ws.raw);
      if (session) void hub.close(session);
    },
    detail: {
      tags: ["nodes"],
      security: [{ bearerAuth: [] }],
      summary: "Watch deployments (WebSocket)",
      description:
        "Edge nodes connect here with the admin or read-only token. The node sends `hello` {node_id, address, version, revision} and `applied` {revision, problems}; " +
        "the control plane sends a `snapshot` of every function with its active version, then `changes` in revision order, and a `heartbeat` every few seconds. " +
        "`?since=<revision>&history=<id>` resumes after that revision when the history still holds it; otherwise a snapshot comes first.",
    },
  });
}
