// The runner's HTTP surface: health, readiness and metrics, and every other path and method to a function.
// `invoke` decides which function: the one module in single mode, the route table on an edge
// node. Routing reads the request target alone (core/http/request-target.ts), never the Host. No router
// framework: three fixed paths need none, and Elysia's cost ~0.6 µs a request and read the path
// at a fixed offset into request.url that short Host headers broke.
import type { RunnerMetrics } from "../observe/metrics";
import type { Logger } from "../../core/observe/log";
import { IDLE_TIMEOUT_S, type Connections } from "./connection";
import type { Invoke } from "./invoke-handler";
import { listenOrExplain } from "../../core/http/listen";
import { pathOf, requestTarget } from "../../core/http/request-target";

export interface RunnerAppDeps {
  metrics: RunnerMetrics;
  health: () => Record<string, unknown>;
  /** Null once the node serves what it should (/readyz 200); else why not yet (503 not_ready). */
  notReady: () => string | null;
  invoke: Invoke;
}

export interface RunnerApp {
  fetch(request: Request, connections: Connections): Response | Promise<Response>;
}

export function createRunnerApp(deps: RunnerAppDeps): RunnerApp {
  const { invoke } = deps;
  return {
    fetch(request, connections) {
      const target = requestTarget(request);
      const path = target === null ? request.url : pathOf(target);
      if (target === null || (path !== "/healthz" && path !== "/readyz" && path !== "/metrics"))
        return invoke(request, target, path, connections);
      // /healthz, /readyz and /metrics belong to the runner for every method, not to the function.
      if (request.method !== "GET" && request.method !== "HEAD")
        return json(
          405,
          { error: { code: "method_not_allowed", message: `${path} only answers GET` } },
          { allow: "GET" },
        );
      if (path === "/healthz") return json(200, { status: "ok", ...deps.health() });
      if (path === "/readyz") {
        const reason = deps.notReady();
        if (reason === null) return json(200, { status: "ready" });
        return json(503, { error: { code: "not_ready", message: reason } }, { "retry-after": "1" });
      }
      return deps.metrics
        .scrape()
        .then(({ body, contentType }) => new Response(body, { headers: { "content-type": contentType } }));
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/**
 * Listens with the app, in single-module and edge mode alike: in production mode (an error
 * never shows a stack or source to a client), and alone on its port (no SO_REUSEPORT: a second
 * process on the port fails to start instead of splitting the traffic).
 */
export function serveRunnerApp(app: RunnerApp, port: number, hostname: string, logger: Logger) {
  return listenOrExplain(port, hostname, () =>
    Bun.serve({
      port,
      hostname,
      development: false,
      reusePort: false,
      // read-body.ts enforces the limit (by Content-Length or while streaming) so that oversized
      // bodies get a 413 in the product's shape, counted and logged; Bun's own cap would not.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      idleTimeout: IDLE_TIMEOUT_S,
      fetch: app.fetch,
      error(error) {
        // A bug of ours, not the client's: logged whole here, never shown.
        logger.log("error", "request failed in the HTTP layer", { error: String(error?.stack ?? error) });
        return json(500, { error: { code: "internal", message: "internal error; see the runner's log" } });
      },
    }),
  );
}
