// The edge node's request handler: route, lease, then the shared invoke handler (HTTP <-> pool,
// outcomes, logs, metrics), then release the lease. The invoke handler asks its `resolve` hook
// which function serves the request; the answer is this request's lease, found through
// AsyncLocalStorage because the hook is given only the path.
import { AsyncLocalStorage } from "node:async_hooks";
import { createInvokeHandler, type FunctionTarget, type InvokeDeps } from "../../http/invoke-handler";
import type { EdgeRouter } from "./edge-router";

export function createEdgeInvoke(router: EdgeRouter, deps: Omit<InvokeDeps, "resolve">): (request: Request) => Promise<Response> {
  const current = new AsyncLocalStorage<FunctionTarget | null>();
  const invoke = createInvokeHandler({ ...deps, resolve: () => current.getStore() ?? null });
  return async function edgeInvoke(request: Request): Promise<Response> {
    const lease = await router.lease(pathOf(request.url));
    if (!lease) return current.run(null, () => invoke(request));
    try {
      return await current.run(lease.target, () => invoke(request));
    } finally {
      lease.release();
    }
  };
}

/** The raw path, as the invoke handler reads it (no normalisation, query cut off). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}
