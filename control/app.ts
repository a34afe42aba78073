// Wires the control plane's HTTP surface: auth, errors, metrics and logs around the features.
import { Elysia } from "elysia";
import { AllowedMethods } from "./allowed-methods";
import { createArtifactService } from "./artifacts/service";
import { artifactsController } from "./artifacts/index";
import { bearerAuth, type Tokens } from "./auth/bearer";
import { errorResponse, storageError, toApiError } from "./errors";
import { createFunctionService } from "./functions/service";
import { functionsController } from "./functions/index";
import type { ControlMetrics } from "./observe/metrics";
import { readiness } from "./observe/readiness";
import { routeLabel } from "./observe/route-label";
import { pathOf, requestTarget } from "../core/http/request-target";
import type { Logger } from "../core/observe/log";
import type { ArtifactWork } from "../core/module/offload/artifact-work";
import type { ArtifactStore } from "./store/artifact-store";
import type { MetadataStore } from "./store/metadata-store";
import { DataDirLost } from "./store/storage-errors";
import { swaggerDocs } from "./swagger/index";
import { HEALTH_RESPONSES, READY_RESPONSES, METRICS_RESPONSES } from "./swagger/openapi";
import { createVersionService } from "./versions/service";
import { versionsController } from "./versions/index";
import type { NodeStore } from "./store/node-store";
import { nodesController } from "./nodes/index";
import { createSecretService } from "./secrets/service";
import { secretsController } from "./secrets/index";
import type { SecretBox } from "./store/secret-box";
import type { SecretStore } from "./store/secret-store";
import type { DataDirGuard } from "./store/data-dir-guard";
import type { WatchHub } from "./watch/hub";
import { WATCH_SOCKET_OPTIONS, watchController } from "./watch/index";
import { type ArtifactLock, ArtifactLocks } from "./store/artifact-locks";
import { createRetention } from "./versions/retention";

export interface ControlDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  nodes: NodeStore;
  secrets: SecretStore;
  /** Seals and opens function secrets; null: the secret routes answer 409 secrets_disabled. */
  secretBox: SecretBox | null;
  watch: WatchHub;
  metrics: ControlMetrics;
  tokens: Tokens;
  logger: Logger;
  maxUploadBytes: number;
  /** Versions kept per function besides the active one (--keep-versions); undefined keeps all. */
  keepVersions?: number;
  /** Per-artifact locks between uploads and retention; default in-process (one control plane on its stores). */
  locks?: ArtifactLock;
  /** Where uploaded modules are checked (the offload thread; inline in tests that build the app alone). */
  work: ArtifactWork;
  /** Whether the data dir is still the one opened at start (store/data-dir-guard.ts); absent in tests that build the app alone. */
  storage?: Pick<DataDirGuard, "problem" | "assertIntact">;
}

const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

export function createControlApp(deps: ControlDeps) {
  const { metrics, logger } = deps;
  const started = new WeakMap<Request, number>();
  let lostLogged = false;
  const locks = deps.locks ?? new ArtifactLocks();
  const retention = createRetention({ ...deps, locks });
  const allowed = new AllowedMethods();
  // standardHostname off: Elysia finds the path after "http://", not at a fixed offset that
  // assumed Host names of 4 characters or more. serve-app.ts makes every URL absolute, and
  // passes the WebSocket options (the watch stream's caps) on to Bun.
  return allowed.of(
    new Elysia({ normalize: false, handler: { standardHostname: false }, websocket: WATCH_SOCKET_OPTIONS })
      .onRequest(({ request }) => void started.set(request, performance.now()))
      .onRequest(bearerAuth(deps.tokens))
      .onRequest(allowed.check)
      // A write to a data dir that is gone would be acknowledged and lost: refused before its body is read.
      .onRequest(({ request }) => {
        if (deps.storage && request.method !== "GET" && request.method !== "HEAD") deps.storage.assertIntact();
      })
      .onError(({ code, error, request, set }) => {
        const apiError = toApiError(code, error);
        set.status = apiError.status;
        if (apiError.status >= 500)
          logger.log("error", "request failed", {
            method: request.method,
            path: requestPath(request),
            error: String((error as Error)?.stack ?? error),
          });
        return errorResponse(apiError);
      })
      .onAfterResponse(({ request, route, set, responseValue }) => {
        const status = responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200);
        const seconds = (performance.now() - (started.get(request) ?? performance.now())) / 1000;
        const path = requestPath(request);
        const label = routeLabel(route, path);
        metrics.observeRequest(request.method, label, status, seconds);
        logger.log(QUIET_ROUTES.has(label) ? "debug" : "info", "request", {
          method: request.method,
          route: label,
          path,
          status,
          duration_ms: Math.round(seconds * 1e4) / 10,
        });
      })
      .use(swaggerDocs())
      .get(
        "/healthz",
        async () => {
          const lost = deps.storage?.problem();
          if (lost) {
            if (!lostLogged)
              logger.log("error", "data dir lost: writes are refused until a restart", { problem: lost });
            lostLogged = true;
            return errorResponse(storageError(new DataDirLost(lost))!);
          }
          // Alive even while the database is out of reach (/readyz says that): a restart would not bring it back.
          const revision = await deps.metadata.revision().catch((error) => {
            if (storageError(error)?.code !== "storage_unavailable") throw error;
            return null;
          });
          return revision === null ? { status: "ok", revision, store: "unavailable" } : { status: "ok", revision };
        },
        {
          detail: {
            tags: ["operations"],
            summary:
              "Liveness: 503 storage_lost once the data dir was removed or replaced under the process; 200 with revision null while the database is out of reach",
            security: [],
            operationId: "health",
            responses: HEALTH_RESPONSES,
          },
        },
      )
      .get("/readyz", readiness(deps), {
        detail: {
          tags: ["operations"],
          summary:
            "Readiness: 503 storage_lost or storage_unavailable while the store cannot be used (a full or read-only data dir is ready: reads work)",
          security: [],
          operationId: "ready",
          responses: READY_RESPONSES,
        },
      })
      .get(
        "/metrics",
        async () =>
          new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
        {
          detail: {
            tags: ["operations"],
            summary: "Prometheus metrics",
            security: [],
            operationId: "metrics",
            responses: METRICS_RESPONSES,
          },
        },
      )
      .use(functionsController(createFunctionService(deps)))
      .use(versionsController(createVersionService({ ...deps, locks, retention })))
      .use(artifactsController(createArtifactService(deps)))
      .use(secretsController(createSecretService(deps)))
      .use(watchController(deps.watch))
      .use(nodesController(deps)),
  );
}

/** The path a request asked for (its Host plays no part); see core/http/request-target.ts. */
function requestPath(request: Request): string {
  return pathOf(requestTarget(request) ?? "/");
}
