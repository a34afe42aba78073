// `bun control/main.ts` as a real process on 127.0.0.1: one that can be killed -9 and started
// again on the same data dir and port, with the API client (helpers/control-api.ts) on its URL.
import { join } from "node:path";
import { CONTROL_TOKENS, controlApi, type ControlApi } from "./control-api";
import { REPO_ROOT, spawnServer, type ServerProcess } from "./server-process";
import { tempDir } from "./temp-dir";

export const CONTROL_MAIN = join(REPO_ROOT, "control", "main.ts");
export const CONTROL_BANNER = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

export interface ControlProcess extends ServerProcess, ControlApi {
  dataDir: string;
}

export interface ControlOptions {
  /** 0 (the default) picks a free port; a known port restarts on it. */
  port?: number;
  logLevel?: string;
  /** More flags. */
  extra?: string[];
  /** More environment; with `tokens: false` the control plane makes its own admin token. */
  env?: Record<string, string>;
  tokens?: boolean;
}

/** The argv after `bun` for a control plane on 127.0.0.1. */
export function controlArgs(dataDir: string, options: ControlOptions = {}): string[] {
  return [
    CONTROL_MAIN,
    "--port",
    String(options.port ?? 0),
    "--host",
    "127.0.0.1",
    "--data-dir",
    dataDir,
    "--log-level",
    options.logLevel ?? "warn",
    ...(options.extra ?? []),
  ];
}

export async function startControlProcess(
  dataDir = tempDir("edge-control-"),
  options: ControlOptions = {},
): Promise<ControlProcess> {
  // Tokens in the environment, never on the command line (ps shows argv to every user).
  const env = { ...(options.tokens === false ? {} : CONTROL_TOKENS), ...options.env };
  const proc = await spawnServer(controlArgs(dataDir, options), CONTROL_BANNER, { env });
  return Object.assign(proc, controlApi(proc.url), { dataDir });
}
