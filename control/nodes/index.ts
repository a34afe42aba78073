// GET /api/v1/nodes: the edge nodes following this control plane and the revision each has live.
import { Elysia } from "elysia";
import { NodeList, NODES_PATH } from "../contract";
import { ErrorBody } from "../errors";
import type { MetadataStore } from "../store/metadata-store";
import type { NodeStore } from "../store/node-store";

export function nodesController({ metadata, nodes }: { metadata: MetadataStore; nodes: NodeStore }) {
  return new Elysia({ name: "nodes" }).get(NODES_PATH, async () => {
    // Revision first: a node listed as applied_revision == revision is then really up to date.
    const revision = await metadata.revision();
    return { revision, nodes: await nodes.list() };
  }, {
    response: { 200: NodeList, 401: ErrorBody },
    detail: {
      tags: ["nodes"],
      security: [{ bearerAuth: [] }],
      operationId: "listNodes",
      summary: "List edge nodes",
      description: "Every node that has connected, whether it is connected now, when it was last seen, and the revision it has live. A change has reached a node when its `applied_revision` is at least the change's revision.",
    },
  });
}
