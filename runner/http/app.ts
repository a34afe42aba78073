// The runner's HTTP surface: health and metrics (Elysia), and every other path and method to a
// function. `invoke` decides which function: the one module in single mode, the route table on
// an edge node. Invocations skip Elysia's router and context: it cost ~0.6 µs a request for
// nothing the invoke path uses.
import { Elysia } from "elysia";
import type { RunnerMetrics } from "../observe/metrics";

export interface RunnerAppDeps {
  metrics: RunnerMetrics;
  health: () => Record<string, unknown>;
  invoke: (request: Request) => Response | Promise<Response>;
}

export function createRunnerApp(deps: RunnerAppDeps) {
  const admin = new Elysia({ strictPath: true })
    .get("/healthz", () => ({ status: "ok", ...deps.health() }))
    .get("/metrics", async () => {
      const { body, contentType } = await deps.metrics.scrape();
      return new Response(body, { headers: { "content-type": contentType } });
    });
  const { invoke } = deps;
  return {
    fetch(request: Request): Response | Promise<Response> {
      const path = pathOf(request.url);
      if (path !== "/healthz" && path !== "/metrics") return invoke(request);
      // /healthz and /metrics belong to the runner for every method, not to the function.
      if (request.method === "GET" || request.method === "HEAD") return admin.fetch(request);
      return new Response(JSON.stringify({ error: { code: "method_not_allowed", message: `${path} only answers GET` } }), {
        status: 405,
        headers: { allow: "GET", "content-type": "application/json" },
      });
    },
  };
}

/**
 * Seconds a connection may stay silent (a client that sends nothing more of its body, or reads
 * nothing of its response) before it is closed and its buffers freed: what cuts silent clients,
 * trickled bodies and stalled readers. Bun's default, said here.
 */
const IDLE_TIMEOUT_S = 10;

/** Listens with the app, in single-module and edge mode alike. */
export function serveRunnerApp(app: { fetch(request: Request): Response | Promise<Response> }, port: number, hostname: string) {
  return Bun.serve({
    port,
    hostname,
    // read-body.ts enforces the limit (by Content-Length or while streaming) so that oversized
    // bodies get a 413 in the product's shape, counted and logged; Bun's own cap would not.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: IDLE_TIMEOUT_S,
    fetch: app.fetch,
  });
}

/** The path of an absolute request URL, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
