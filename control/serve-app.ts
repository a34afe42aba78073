// Serves the control plane's Elysia app. Not Elysia's listen(), which serves in development
// mode unless NODE_ENV=production (an error page with stack frames and source lines for a
// request without a Host), turns SO_REUSEPORT on (a second control plane on the port starts
// and splits the traffic) and hands Bun's router the routes, so no request could be checked
// before them. Here every request passes the front door first (core/http/request-target.ts):
// a malformed one gets a 400 in the API's error shape; a request with no Host at all (HTTP/1.0)
// gets a URL with a fixed base, since Elysia reads the path from request.url.
import type { AnyElysia } from "elysia";
import { websocket } from "elysia/ws";
import { listenOrExplain } from "../core/http/listen";
import { MALFORMED_REQUEST, requestTarget } from "../core/http/request-target";
import type { Logger } from "../core/observe/log";
import { ApiError, errorResponse } from "./errors";
import type { ControlMetrics } from "./observe/metrics";

/** Stands in for the Host a request did not send; never a real name (RFC 2606). */
const NO_HOST_BASE = "http://control.invalid";
/** Elysia's own default, kept. */
const IDLE_TIMEOUT_S = 30;

export interface ServeOptions {
  port: number;
  hostname: string;
  maxRequestBodySize: number;
  logger: Logger;
  metrics: ControlMetrics;
}

export async function serveControlApp(app: AnyElysia, options: ServeOptions) {
  const { port, hostname, logger, metrics } = options;
  await app.modules;
  const handle = app.compile().fetch;
  const server = listenOrExplain(port, hostname, () =>
    Bun.serve({
      port,
      hostname,
      development: false,
      reusePort: false,
      idleTimeout: IDLE_TIMEOUT_S,
      maxRequestBodySize: options.maxRequestBodySize,
      // What Elysia's listen() passes; its types for Bun's socket lag Bun's own.
      websocket: { ...app.config.websocket, ...websocket } as unknown as Bun.WebSocketHandler<unknown>,
      fetch(request) {
        const target = requestTarget(request);
        if (target === null) {
          metrics.observeRequest(request.method, "unmatched", 400, 0);
          logger.log("info", "request", {
            method: request.method,
            route: "unmatched",
            status: 400,
            detail: "malformed request (Host header or request target)",
          });
          return errorResponse(new ApiError(400, "bad_request", MALFORMED_REQUEST));
        }
        // A WebSocket upgrade needs Bun's own request, so only the Host-less one is rebuilt.
        return handle(request.url.charCodeAt(0) === 47 ? new Request(NO_HOST_BASE + target, request) : request);
      },
      error(error) {
        logger.log("error", "request failed outside the app", { error: String(error?.stack ?? error) });
        return errorResponse(new ApiError(500, "internal", "internal error; see the control plane's log"));
      },
    }),
  );
  // Elysia's WebSocket routes upgrade through the app's server.
  app.server = server;
  return server;
}
