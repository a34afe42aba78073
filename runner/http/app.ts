// The runner's HTTP surface: health, metrics, and every other path and method to a function.
// `invoke` decides which function: the one module in single mode, the route table on an edge node.
import { Elysia } from "elysia";
import type { RunnerMetrics } from "../observe/metrics";

const RESERVED = new Set(["/healthz", "/metrics"]);

export interface RunnerAppDeps {
  metrics: RunnerMetrics;
  health: () => Record<string, unknown>;
  invoke: (request: Request) => Promise<Response>;
}

export function createRunnerApp(deps: RunnerAppDeps) {
  const { invoke } = deps;
  return new Elysia({ strictPath: true })
    .get("/healthz", () => ({ status: "ok", ...deps.health() }))
    .get("/metrics", async () => new Response(await deps.metrics.registry.metrics(), { headers: { "content-type": deps.metrics.registry.contentType } }))
    .all("*", ({ request }) => {
      const path = new URL(request.url).pathname;
      // /healthz and /metrics belong to the runner for every method, not to the function.
      if (RESERVED.has(path)) return new Response(JSON.stringify({ error: { code: "method_not_allowed", message: `${path} only answers GET` } }), { status: 405, headers: { allow: "GET", "content-type": "application/json" } });
      return invoke(request);
    }, { parse: "none" });
}
