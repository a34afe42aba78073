// Wires the control plane's HTTP surface: auth, errors, metrics and logs around the features.
import { Elysia } from "elysia";
import { createArtifactService } from "./artifacts/service";
import { artifactsController } from "./artifacts/index";
import { bearerAuth, type Tokens } from "./auth/bearer";
import { errorResponse, toApiError } from "./errors";
import { createFunctionService } from "./functions/service";
import { functionsController } from "./functions/index";
import type { ControlMetrics } from "./observe/metrics";
import { routeLabel } from "./observe/route-label";
import type { Logger } from "../runner/observe/log";
import type { ArtifactWork } from "../runner/module/offload/artifact-work";
import type { ArtifactStore } from "./store/artifact-store";
import type { MetadataStore } from "./store/metadata-store";
import { swaggerDocs } from "./swagger/index";
import { createVersionService } from "./versions/service";
import { versionsController } from "./versions/index";
import type { NodeStore } from "./store/node-store";
import { nodesController } from "./nodes/index";
import type { WatchHub } from "./watch/hub";
import { WATCH_SOCKET_OPTIONS, watchController } from "./watch/index";

export interface ControlDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  nodes: NodeStore;
  watch: WatchHub;
  metrics: ControlMetrics;
  tokens: Tokens;
  logger: Logger;
  maxUploadBytes: number;
  /** Where uploaded modules are checked (the offload thread; inline in tests that build the app alone). */
  work: ArtifactWork;
}

const QUIET_ROUTES = new Set(["/healthz", "/metrics"]);

export function createControlApp(deps: ControlDeps) {
  const { metrics, logger } = deps;
  const started = new WeakMap<Request, number>();
  return new Elysia({ normalize: false, websocket: WATCH_SOCKET_OPTIONS })
    .onRequest(({ request }) => void started.set(request, performance.now()))
    .onRequest(bearerAuth(deps.tokens))
    .onError(({ code, error, request, set }) => {
      const apiError = toApiError(code, error);
      set.status = apiError.status;
      if (apiError.status >= 500) logger.log("error", "request failed", { method: request.method, path: new URL(request.url).pathname, error: String((error as Error)?.stack ?? error) });
      return errorResponse(apiError);
    })
    .onAfterResponse(({ request, route, set, responseValue }) => {
      const status = responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200);
      const seconds = (performance.now() - (started.get(request) ?? performance.now())) / 1000;
      const path = new URL(request.url).pathname;
      const label = routeLabel(route, path);
      metrics.observeRequest(request.method, label, status, seconds);
      logger.log(QUIET_ROUTES.has(label) ? "debug" : "info", "request", { method: request.method, route: label, path, status, duration_ms: Math.round(seconds * 1e4) / 10 });
    })
    .use(swaggerDocs())
    .get("/healthz", async () => ({ status: "ok", revision: await deps.metadata.revision() }), { detail: { tags: ["operations"], summary: "Liveness", security: [] } })
    .get("/metrics", async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }), {
      detail: { tags: ["operations"], summary: "Prometheus metrics", security: [] },
    })
    .use(functionsController(createFunctionService(deps)))
    .use(versionsController(createVersionService(deps)))
    .use(artifactsController(createArtifactService(deps)))
    .use(watchController(deps.watch))
    .use(nodesController(deps));
}
