// The runner's HTTP surface: health, metrics, and every other path and method to a function.
import { Elysia } from "elysia";
import type { RunnerMetrics } from "../observe/metrics";
import { createInvokeHandler, type InvokeDeps } from "./invoke-handler";

const RESERVED = new Set(["/healthz", "/metrics"]);

export function createRunnerApp(deps: InvokeDeps & { metrics: RunnerMetrics; health: () => Record<string, unknown> }) {
  const invoke = createInvokeHandler(deps);
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
