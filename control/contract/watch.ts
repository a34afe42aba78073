// The watch stream between the control plane and edge nodes (`GET /api/v1/watch`, a WebSocket),
// declared once: the control plane sends with these types, nodes check what they receive against
// the same schemas, and `GET /api/v1/nodes` answers NodeRecords.
//
//   node -> control: hello (who I am, what I have applied), applied (after each change is live)
//   control -> node: snapshot (the whole state at a revision), changes (in revision order),
//                    heartbeat (nothing new; the socket is alive)
import { Type, type Static } from "@sinclair/typebox";
import "./formats";
import { CHANGE_KINDS, FunctionId, FunctionRecord, Sha256Hex, Timestamp } from "./records";

export const WATCH_PATH = "/api/v1/watch";
export const NODES_PATH = "/api/v1/nodes";

/** Query of the watch route: resume after `since` when `history` is the store's history id. */
export const WatchQuery = Type.Object({
  since: Type.Optional(Type.String({ pattern: "^[0-9]{1,15}$", description: "Last revision the node applied; 0 or absent for a snapshot" })),
  history: Type.Optional(Type.String({ maxLength: 64, description: "History id the revision belongs to (from an earlier snapshot)" })),
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

/** A function as edge nodes see it: the record and its active version (null when none). */
export const DeployedFunction = Type.Object(
  { function: FunctionRecord, artifact: Type.Union([ActiveArtifact, Type.Null()]) },
  { additionalProperties: false },
);
export type DeployedFunction = Static<typeof DeployedFunction>;

export const WatchChange = Type.Object(
  {
    revision: Type.Integer({ minimum: 1 }),
    kind: Type.Union(CHANGE_KINDS.map((kind) => Type.Literal(kind))),
    function_id: FunctionId,
    version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    /** The function after the change; null once deleted. */
    function: Type.Union([FunctionRecord, Type.Null()]),
    /** Its active version after the change; null when it has none (or no longer exists). */
    artifact: Type.Union([ActiveArtifact, Type.Null()]),
    at: Timestamp,
  },
  { additionalProperties: false },
);
export type WatchChange = Static<typeof WatchChange>;

export const SnapshotMessage = Type.Object({
  type: Type.Literal("snapshot"),
  history_id: Type.String({ minLength: 1, maxLength: 64 }),
  revision: Type.Integer({ minimum: 0 }),
  functions: Type.Array(DeployedFunction),
});
export const ChangesMessage = Type.Object({
  type: Type.Literal("changes"),
  history_id: Type.String({ minLength: 1, maxLength: 64 }),
  changes: Type.Array(WatchChange, { minItems: 1 }),
});
export const HeartbeatMessage = Type.Object({
  type: Type.Literal("heartbeat"),
  /** The last revision sent on this socket. */
  revision: Type.Integer({ minimum: 0 }),
});
export const ServerMessage = Type.Union([SnapshotMessage, ChangesMessage, HeartbeatMessage]);
export type SnapshotMessage = Static<typeof SnapshotMessage>;
export type ChangesMessage = Static<typeof ChangesMessage>;
export type ServerMessage = Static<typeof ServerMessage>;

/** A function a node does not (yet) serve at its desired version, and why. */
export const NodeProblem = Type.Object({
  function_id: FunctionId,
  version: Type.Integer({ minimum: 1 }),
  reason: Type.String({ maxLength: 512 }),
});
export type NodeProblem = Static<typeof NodeProblem>;
export const MAX_REPORTED_PROBLEMS = 32;

export const NodeId = Type.String({ pattern: "^[A-Za-z0-9._:-]{1,128}$", description: "Edge node id (--node-id)", example: "edge-fra-1" });

export const HelloMessage = Type.Object({
  type: Type.Literal("hello"),
  node_id: NodeId,
  address: Type.String({ maxLength: 512, description: "Where the node serves requests" }),
  version: Type.String({ maxLength: 64, description: "Runner release" }),
  revision: Type.Integer({ minimum: 0, description: "Revision the node serves" }),
});
export const AppliedMessage = Type.Object({
  type: Type.Literal("applied"),
  revision: Type.Integer({ minimum: 0 }),
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
});
