// After a change: wait until every edge node connected now has applied it, one progress line
// per node as it does. A change is live on a node when its applied_revision reaches the revision
// the control plane reported right after the change (GET /api/v1/nodes); a node that applied it
// but reports a problem with this function's version (it could not fetch or compile it) failed.
import { parseRoute } from "../../core/contract/route-pattern";
import { listNodes } from "../api/functions";
import type { ControlPlane } from "../api/client";

export interface Target {
  id: string;
  /** The version that must be live, or null (a deletion). */
  version: number | null;
  routes: readonly string[];
}

export interface NodeOutcome {
  id: string;
  address: string;
  applied_revision: number;
  state: "applied" | "failed" | "disconnected" | "timed_out";
  problem?: string;
  urls: string[];
}

export interface WaitResult {
  revision: number;
  nodes: NodeOutcome[];
}

/** The URLs that reach `routes` on a node serving at `address`: a prefix route `/a/*` as `/a/`. */
export function routeUrls(address: string, routes: readonly string[]): string[] {
  const base = address.replace(/\/+$/, "");
  return routes.map((route) => {
    const parsed = parseRoute(route);
    return base + (parsed.kind === "exact" ? parsed.path : parsed.prefix);
  });
}

export async function waitForNodes(
  cp: ControlPlane,
  target: Target,
  options: { timeoutMs: number; pollMs?: number; progress: (line: string) => void },
): Promise<WaitResult> {
  const first = await listNodes(cp);
  const revision = first.revision;
  const pending = new Map(first.nodes.filter((node) => node.connected).map((node) => [node.id, node]));
  const done: NodeOutcome[] = [];
  if (pending.size === 0) {
    options.progress(`no edge node is connected; revision ${revision} will apply when one connects`);
    return { revision, nodes: done };
  }
  options.progress(`waiting for ${pending.size} edge node(s) to apply revision ${revision}`);
  const deadline = Date.now() + options.timeoutMs;
  const settle = (outcome: NodeOutcome, line: string) => {
    pending.delete(outcome.id);
    done.push(outcome);
    options.progress(line);
  };
  let current = first.nodes;
  for (;;) {
    for (const id of [...pending.keys()]) {
      const node = current.find((n) => n.id === id);
      const base = {
        id,
        address: node?.address ?? pending.get(id)!.address,
        applied_revision: node?.applied_revision ?? 0,
      };
      if (!node || !node.connected) {
        settle(
          { ...base, state: "disconnected", urls: [] },
          `  ${id}: disconnected before applying revision ${revision}`,
        );
        continue;
      }
      if (node.applied_revision < revision) continue;
      const problem = node.problems.find((p) => p.function_id === target.id && p.version === target.version);
      if (problem) {
        settle(
          { ...base, state: "failed", problem: problem.reason, urls: [] },
          `  ${id}: revision ${node.applied_revision} applied, but v${problem.version} is not served: ${problem.reason}`,
        );
        continue;
      }
      const urls = target.version === null ? [] : routeUrls(node.address, target.routes);
      settle(
        { ...base, state: "applied", urls },
        `  ${id}: revision ${node.applied_revision} applied${urls.length ? `  ${urls.join("  ")}` : ""}`,
      );
    }
    if (pending.size === 0 || Date.now() >= deadline) break;
    await Bun.sleep(options.pollMs ?? 200);
    current = (await listNodes(cp)).nodes;
  }
  for (const [id, node] of pending) {
    const now = current.find((n) => n.id === id) ?? node;
    settle(
      { id, address: now.address, applied_revision: now.applied_revision, state: "timed_out", urls: [] },
      `  ${id}: still at revision ${now.applied_revision} of ${revision}`,
    );
  }
  return { revision, nodes: done };
}

/** The nodes that did not make it, as one line for a Failure; null when every one applied. */
export function notApplied(result: WaitResult, timeoutS: number): string | null {
  const bad = result.nodes.filter((node) => node.state === "failed" || node.state === "timed_out");
  if (bad.length === 0) return null;
  const parts = bad.map((node) =>
    node.state === "failed"
      ? `${node.id} (${node.problem})`
      : `${node.id} (at revision ${node.applied_revision} after ${timeoutS} s)`,
  );
  return `revision ${result.revision} is not live on ${bad.length} of ${result.nodes.length} node(s): ${parts.join(", ")}`;
}
