// One pass from what the node serves to what the control plane wants: fetch, verify, compile
// and load every new deployment first (a few downloads at a time; past the module cache's
// bound only fetch and verify, see LoadedFunctions.prefetch), then publish the routing in one
// swap. A deployment that can't be had (download failed, hash mismatch, module refused)
// leaves its function on the version it served before, and is reported as a problem.
import type { NodeProblem } from "../../../core/contract";
import type { Logger } from "../../../core/observe/log";
import type { DesiredState } from "../state/desired-state";
import { deploymentOf, type Deployment } from "../serving/deployment";
import type { EdgeRouter } from "../serving/edge-router";
import type { LoadedFunctions } from "../serving/loaded-functions";

export interface ReconcileResult {
  serving: Map<string, Deployment>;
  problems: NodeProblem[];
}

const MAX_REASON = 500;

export class Reconciler {
  constructor(
    private readonly loaded: LoadedFunctions,
    private readonly router: EdgeRouter,
    private readonly concurrency: number,
    private readonly logger: Logger,
  ) {}

  async run(desired: DesiredState, serving: ReadonlyMap<string, Deployment>): Promise<ReconcileResult> {
    const targets: Deployment[] = [];
    for (const source of desired.functions.values()) {
      const deployment = deploymentOf(source);
      if (deployment) targets.push(deployment);
    }
    // What is routed already is loaded, or comes back on demand if the cache let it go.
    const fresh = targets.filter((d) => !this.router.isRouted(d.poolKey));
    const failures = new Map<string, string>();
    await forEachLimited(fresh, this.concurrency, async (deployment) => {
      const result = await this.loaded.prefetch(deployment, serving.get(deployment.functionId));
      if (!result.ok) failures.set(deployment.poolKey, result.reason);
    });

    const next = new Map<string, Deployment>();
    const problems: NodeProblem[] = [];
    for (const deployment of targets) {
      const failure = failures.get(deployment.poolKey);
      if (failure === undefined) {
        next.set(deployment.functionId, deployment);
        continue;
      }
      problems.push({
        function_id: deployment.functionId,
        version: deployment.version,
        reason: failure.slice(0, MAX_REASON),
      });
      const previous = serving.get(deployment.functionId);
      const kept =
        previous &&
        previous.poolKey !== deployment.poolKey &&
        (this.router.isRouted(previous.poolKey) || (await this.loaded.load(previous)).ok);
      if (kept) next.set(deployment.functionId, previous);
      this.logger.log("warn", "version not deployed", {
        function: deployment.name,
        function_id: deployment.functionId,
        version: deployment.version,
        reason: failure,
        ...(kept ? { serving_version: previous.version } : { serving_version: null }),
      });
    }
    this.router.publish(next.values());
    return { serving: next, problems };
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < items.length) await run(items[nextIndex++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
