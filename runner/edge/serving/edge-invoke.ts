// The edge node's request handler: the shared invoke handler (HTTP <-> pool, outcomes, logs,
// metrics) resolving each path to a lease on the deployment that serves it. The handler releases
// the lease when the invocation settles, which is what lets a version switch drain.
import {
  createInvokeHandler,
  type FunctionTarget,
  type Invoke,
  type InvokeDeps,
  type Unavailable,
} from "../../http/invoke-handler";
import type { EdgeRouter } from "./edge-router";
import type { Lease } from "./loaded-functions";

export function createEdgeInvoke(router: EdgeRouter, deps: Omit<InvokeDeps, "resolve">): Invoke {
  return createInvokeHandler({
    ...deps,
    resolve(path) {
      const lease = router.lease(path);
      return lease instanceof Promise ? lease.then(leaseTarget) : leaseTarget(lease);
    },
  });
}

function leaseTarget(lease: Lease | Unavailable | null): FunctionTarget | Unavailable | null {
  if (!lease || "unavailable" in lease) return lease;
  const { key, name, maxBodyBytes, runtime, routes } = lease.target;
  return { key, name, maxBodyBytes, runtime, routes, release: () => lease.release() };
}
