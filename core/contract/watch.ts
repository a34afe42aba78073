// The watch stream between the control plane and edge nodes (`GET /api/v1/watch`, a WebSocket),
// declared once: the control plane sends with these types, nodes check what they receive against
// the same schemas, and `GET /api/v1/nodes` answers NodeRecords.
//
//   node -> control: hello (who I am, what I have applied), applied (after each state is live)
//   control -> node: snapshot pages (the whole state at a revision), changes pages (what changed
//                    since a revision), part (a piece of one function too large for a message),
//                    heartbeat (nothing new; the socket is alive)
//
// Pages come in sequences that end with `last: true`; a node applies a sequence whole, once its
// last page is in, never half of it. No message is larger than MAX_WATCH_MESSAGE_BYTES.
import { Type, type Static } from "@sinclair/typebox";
import "./formats";
import { FunctionId, FunctionRecord, NO_NUL, Sha256Hex, Timestamp } from "./records";
import { SecretValues } from "./secrets";

export const WATCH_PATH = "/api/v1/watch";
export const NODES_PATH = "/api/v1/nodes";
/**
 * Messages of this protocol; a node that asks for another one is refused with WATCH_CLOSE.protocol.
 * 3: a function entry may carry `secrets` (a node of protocol 2 would refuse every message with one).
 */
export const WATCH_PROTOCOL = 3;

/**
 * Largest message the control plane sends on the watch stream, in bytes (UTF-8): checked before
 * every send, and by the node on receipt. One function (env at most LIMITS.envJsonBytes) always
 * fits with room to spare; a larger one stored by an older release travels as `part`s.
 */
export const MAX_WATCH_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest message a node may send (hello, applied): the control plane's WebSocket refuses more. */
export const MAX_NODE_MESSAGE_BYTES = 64 * 1024;

/** Close codes of the watch stream (4000-4999 are the application's). */
export const WATCH_CLOSE = {
  /** The node asked for another protocol: upgrade it (or the control plane). */
  protocol: 4000,
  /** The same node process connected again; this older socket is stale. */
  replaced: 4001,
  /** The node id is registered with another node key. */
  keyMismatch: 4003,
  /** The control plane holds --max-nodes node records already. */
  nodeLimit: 4008,
  /** Another process with this node id (and its key) is connected. */
  duplicate: 4009,
  /** Nothing but hello and applied, one hello per socket, within the message rate. */
  misbehaved: 4010,
  /** Too many new node ids from this address: retry later. */
  rateLimited: 4029,
} as const;

/** Query of the watch route: resume after `since` when `history` is the store's history id. */
export const WatchQuery = Type.Object({
  since: Type.Optional(
    Type.String({
      pattern: "^[0-9]{1,15}$",
      description: "Last revision the node applied; 0 or absent for a snapshot",
    }),
  ),
  history: Type.Optional(
    Type.String({ maxLength: 64, description: "History id the revision belongs to (from an earlier snapshot)" }),
  ),
  protocol: Type.Optional(
    Type.String({
      pattern: "^[0-9]{1,4}$",
      description: `Watch protocol the node speaks (${WATCH_PROTOCOL}); absent means 1, which this control plane no longer speaks`,
    }),
  ),
});

/** The version a function serves, with what the node must verify its bytes against. */
export const ActiveArtifact = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    sha256: Sha256Hex,
    size: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ActiveArtifact = Static<typeof ActiveArtifact>;

/**
 * A function as edge nodes see it: the record, its active version (null when none) and its
 * secrets' values (absent when it has none). This message is the only place a secret's value
 * leaves the control plane; the guest sees them after the function's env.
 */
export const DeployedFunction = Type.Object(
  {
    function: FunctionRecord,
    artifact: Type.Union([ActiveArtifact, Type.Null()]),
    /** Revision of the function's last change (0: before the kept history). Equal revisions, equal entries. */
    revision: Type.Optional(Type.Integer({ minimum: 0 })),
    secrets: Type.Optional(SecretValues),
  },
  { additionalProperties: false },
);
export type DeployedFunction = Static<typeof DeployedFunction>;

const HistoryId = Type.String({ minLength: 1, maxLength: 64 });

/**
 * One page of a snapshot: every function as of `revision` (functions changed while the pages
 * were read may come newer; the changes after `revision` follow anyway). Pages count from 0.
 */
export const SnapshotMessage = Type.Object({
  type: Type.Literal("snapshot"),
  history_id: HistoryId,
  revision: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 0 }),
  last: Type.Boolean(),
  functions: Type.Array(DeployedFunction),
});
/**
 * One page of changes: the current state of every function changed after `from` up to
 * `revision` (deleted ones by id). The next page starts `from` this one's `revision`.
 */
export const ChangesMessage = Type.Object({
  type: Type.Literal("changes"),
  history_id: HistoryId,
  from: Type.Integer({ minimum: 0 }),
  revision: Type.Integer({ minimum: 0 }),
  last: Type.Boolean(),
  functions: Type.Array(DeployedFunction),
  deleted: Type.Array(FunctionId),
});
/**
 * A piece of the JSON text of one DeployedFunction too large for a message (only a record stored
 * before the env limit can be). Parts come between two pages of a sequence; the entry they add
 * up to belongs to that sequence, after the page before them.
 */
export const PartMessage = Type.Object({
  type: Type.Literal("part"),
  text: Type.String(),
  /** The entry's last piece. */
  last: Type.Boolean(),
});
export const HeartbeatMessage = Type.Object({
  type: Type.Literal("heartbeat"),
  /** The revision of the last complete sequence sent on this socket (0 before any). */
  revision: Type.Integer({ minimum: 0 }),
});
export const ServerMessage = Type.Union([SnapshotMessage, ChangesMessage, PartMessage, HeartbeatMessage]);
export type SnapshotMessage = Static<typeof SnapshotMessage>;
export type ChangesMessage = Static<typeof ChangesMessage>;
export type PartMessage = Static<typeof PartMessage>;
export type ServerMessage = Static<typeof ServerMessage>;

/** A function a node does not (yet) serve at its desired version, and why. */
export const NodeProblem = Type.Object({
  function_id: FunctionId,
  version: Type.Integer({ minimum: 1 }),
  reason: Type.String({ maxLength: 512 }),
});
export type NodeProblem = Static<typeof NodeProblem>;
export const MAX_REPORTED_PROBLEMS = 32;

export const NodeId = Type.String({
  pattern: "^[A-Za-z0-9._:-]{1,128}$",
  description: "Edge node id (--node-id)",
  example: "edge-fra-1",
});
/**
 * The node's own secret (<cache-dir>/node-key, made at its first start). The first hello of an
 * id registers it; later ones must present it, so the shared token alone cannot act as the node.
 */
export const NodeKey = Type.String({ pattern: "^[A-Za-z0-9_-]{32,128}$" });

export const HelloMessage = Type.Object({
  type: Type.Literal("hello"),
  node_id: NodeId,
  // No NUL, and a revision a store can hold (PostgreSQL's text and BIGINT): a node record is
  // written alike on both backends.
  address: Type.String({ maxLength: 512, pattern: NO_NUL, description: "Where the node serves requests" }),
  version: Type.String({ maxLength: 64, pattern: NO_NUL, description: "Runner release" }),
  revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Revision the node serves" }),
  key: NodeKey,
  /** Random per process start: a reconnect of the same process replaces its stale socket. */
  instance: Type.String({ pattern: "^[A-Za-z0-9_-]{8,64}$" }),
});
export const AppliedMessage = Type.Object({
  type: Type.Literal("applied"),
  revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  problems: Type.Array(NodeProblem, { maxItems: MAX_REPORTED_PROBLEMS }),
});
export const NodeMessage = Type.Union([HelloMessage, AppliedMessage]);
export type HelloMessage = Static<typeof HelloMessage>;
export type AppliedMessage = Static<typeof AppliedMessage>;
export type NodeMessage = Static<typeof NodeMessage>;

export const NodeRecord = Type.Object(
  {
    id: NodeId,
    address: Type.String(),
    version: Type.String(),
    applied_revision: Type.Integer({ minimum: 0, description: "Last revision the node has live" }),
    connected: Type.Boolean({ description: "Whether the node's watch socket is open now" }),
    connected_at: Timestamp,
    last_seen: Timestamp,
    problems: Type.Array(NodeProblem, { description: "Functions not served at their active version, and why" }),
  },
  { additionalProperties: false, description: "An edge node that has connected to this control plane" },
);
export type NodeRecord = Static<typeof NodeRecord>;

export const NodeList = Type.Object({
  revision: Type.Integer({ minimum: 0, description: "The control plane's current revision" }),
  nodes: Type.Array(NodeRecord),
  next_cursor: Type.Union([Type.String(), Type.Null()], {
    description: "Pass as `cursor` for the next page; null on the last page",
  }),
});

export const NodesQuery = Type.Object({
  limit: Type.Optional(
    Type.String({
      pattern: "^([1-9][0-9]{0,2}|1000)$",
      description: "Page size, 1 to 1000",
      default: "100",
      error: "must be an integer from 1 to 1000",
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      maxLength: 128,
      pattern: NO_NUL,
      description: "`next_cursor` of the previous page",
      error: "must be a next_cursor (no NUL character)",
    }),
  ),
});
