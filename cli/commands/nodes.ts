// `edge nodes`: every edge node the control plane knows, how far behind its revision it is,
// and what it reports it cannot serve.
import { listNodes } from "../api/functions";
import { table } from "../output/output";
import type { Command } from "../command";

export const nodes: Command = {
  name: "nodes",
  args: "",
  summary: "List the edge nodes: connected, applied revision, lag behind the control plane, problems",
  remote: true,
  positionals: { min: 0, max: 0 },
  async run({ connect, out }) {
    const list = await listNodes(connect());
    const rows = list.nodes.map((node) => [
      node.id,
      node.connected ? "yes" : "no",
      String(node.applied_revision),
      String(Math.max(0, list.revision - node.applied_revision)),
      node.address,
      node.problems.length === 0
        ? "-"
        : node.problems.map((p) => `${p.function_id} v${p.version}: ${p.reason}`).join("; "),
    ]);
    out.result(
      {
        revision: list.revision,
        nodes: list.nodes.map((node) => ({ ...node, lag: Math.max(0, list.revision - node.applied_revision) })),
      },
      [
        `control plane revision ${list.revision}`,
        ...(list.nodes.length === 0
          ? ["no edge node has connected"]
          : table([["NODE", "CONNECTED", "APPLIED", "LAG", "ADDRESS", "PROBLEMS"], ...rows])),
      ],
    );
  },
};
