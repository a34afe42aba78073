// Routes a request path to a deployment and hands out a lease on it. The table is one immutable
// object replaced on publish, so every request sees one whole version of the routing. A
// deployment whose module the cache evicted is loaded again on demand (the request waits); when
// that fails (disk copy bad and control plane down, say) the path is routed but unavailable.
import type { Unavailable } from "../../http/invoke-handler";
import type { Logger } from "../../../core/observe/log";
import type { Deployment } from "./deployment";
import type { Lease, LoadedFunctions } from "./loaded-functions";
import { RouteTable } from "./route-table";

/** How often a request follows the table to a newer deployment while it waits for a load. */
const MAX_RELOADS = 3;

export class EdgeRouter {
  private table: RouteTable<Deployment> = RouteTable.empty();

  constructor(
    private readonly loaded: LoadedFunctions,
    private readonly logger: Logger,
  ) {}

  /**
   * Makes `deployments` the routing, at once, then lets go of whatever is no longer routed
   * (each unloads when its running requests finish). Load them before publishing.
   */
  publish(deployments: Iterable<Deployment>): void {
    const table = RouteTable.build(deployments);
    this.table = table;
    this.loaded.retainOnly((poolKey) => table.hasPoolKey(poolKey));
  }

  isRouted(poolKey: string): boolean {
    return this.table.hasPoolKey(poolKey);
  }

  /** A lease on the deployment serving `path`, or null when none does. Release it when the request ends. */
  lease(path: string): Lease | Unavailable | null | Promise<Lease | Unavailable | null> {
    const deployment = this.table.match(path);
    if (!deployment) return null;
    return this.loaded.acquire(deployment) ?? this.leaseCold(path, deployment, MAX_RELOADS);
  }

  private async leaseCold(path: string, deployment: Deployment, reloads: number): Promise<Lease | Unavailable | null> {
    const result = await this.loaded.load(deployment);
    const table = this.table;
    const current = table.match(path);
    if (current !== deployment) {
      // A deploy landed while this request waited: it gets the new version, and the load just
      // made is let go unless the new table routes it.
      if (!table.hasPoolKey(deployment.poolKey)) this.loaded.letGo(deployment.poolKey);
      if (!current) return null;
      return reloads > 0
        ? (this.loaded.acquire(current) ?? this.leaseCold(path, current, reloads - 1))
        : unavailable(current, "deploys kept replacing it while it loaded");
    }
    if (!result.ok) {
      this.logger.log("error", "function could not be loaded", {
        function: deployment.name,
        version: deployment.version,
        reason: result.reason,
      });
      return unavailable(deployment, result.reason);
    }
    return (
      this.loaded.acquire(deployment) ??
      (reloads > 0
        ? this.leaseCold(path, deployment, reloads - 1)
        : unavailable(deployment, "evicted again as soon as it loaded"))
    );
  }
}

function unavailable(deployment: Deployment, reason: string): Unavailable {
  return { unavailable: true, name: deployment.name, reason: `version ${deployment.version}: ${reason}` };
}
