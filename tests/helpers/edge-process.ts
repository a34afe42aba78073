// An edge node as a real process: `bun runner/main.ts --control-plane <url>` with its own cache
// dir and node id, holding the read-only token.
import { READ_TOKEN } from "./control-api";
import { startRunnerProcess } from "./runner-process";
import type { ServerProcess } from "./server-process";

/** The runner flags of an edge node (log level warn unless `extra` says otherwise). */
export function edgeArgs(controlUrl: string, cacheDir: string, nodeId: string, extra: string[] = []): string[] {
  return ["--control-plane", controlUrl, "--cache-dir", cacheDir, "--node-id", nodeId, "--log-level", "warn", ...extra];
}

export const EDGE_TOKEN_ENV = { EDGE_RUNNER_TOKEN: READ_TOKEN };

export function startEdgeProcess(
  controlUrl: string,
  cacheDir: string,
  nodeId: string,
  extra: string[] = [],
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  return startRunnerProcess(edgeArgs(controlUrl, cacheDir, nodeId, extra), {
    ...options,
    env: { ...EDGE_TOKEN_ENV, ...options.env },
    timeoutMs: 20_000,
  });
}
