// GET /api/v1/nodes: the edge nodes following this control plane and the revision each has
// live, a page at a time. DELETE /api/v1/nodes/{id}: forget a node (its id can register anew,
// with a new key: for a node that lost its cache dir).
import { Elysia, t } from "elysia";
import { NodeList, NODES_PATH, NodeId, NodesQuery } from "../../core/contract";
import { ApiError } from "../errors";
import type { MetadataStore } from "../store/metadata-store";
import type { NodeStore } from "../store/node-store";
import { empty, errors, json, STORAGE } from "../swagger/responses";

/** What forgetting a node needs of the watch stream (watch/hub.ts): its socket closed, if it has one. */
export interface NodeDisconnect {
  disconnect(nodeId: string): void;
}

export function nodesController({
  metadata,
  nodes,
  watch,
}: {
  metadata: MetadataStore;
  nodes: NodeStore;
  watch: NodeDisconnect;
}) {
  return new Elysia({ name: "nodes" })
    .model({ NodeList })
    .get(
      NODES_PATH,
      async ({ query }) => {
        // Revision first: a node listed as applied_revision == revision is then really up to date.
        const revision = await metadata.revision();
        const page = await nodes.list({ limit: Number(query.limit ?? 100), after: query.cursor });
        return { revision, nodes: page.items, next_cursor: page.next };
      },
      {
        query: NodesQuery,
        response: { 200: NodeList },
        detail: {
          tags: ["nodes"],
          security: [{ bearerAuth: [] }],
          operationId: "listNodes",
          summary: "List edge nodes",
          description:
            "Every node that has connected (and not expired, see --node-retention-s), by id, a page at a time: whether it is connected now, when it was last seen, and the revision it has live. " +
            "A change has reached a node when its `applied_revision` is at least the change's revision.",
          responses: { 200: json("A page of nodes", "NodeList"), ...errors(401, 422) },
        },
      },
    )
    .delete(
      `${NODES_PATH}/:id`,
      async ({ params, status }) => {
        if (!(await nodes.remove(params.id))) throw ApiError.notFound(`no node with id "${params.id}"`);
        watch.disconnect(params.id);
        return status(204, undefined);
      },
      {
        params: t.Object({ id: NodeId }),
        detail: {
          tags: ["nodes"],
          security: [{ bearerAuth: [] }],
          operationId: "deleteNode",
          summary: "Forget an edge node",
          description:
            "Removes the node's record and the key registered for its id; a connected node is disconnected and registers again. For a node that lost its cache dir (and so its key), or an id no longer used.",
          responses: { 204: empty("Forgotten"), ...errors(401, 403, 404, 422, ...STORAGE) },
        },
      },
    );
}
