// The runner's one config: flags > env > defaults (core/config/load-config.ts), validated at start
// against config-schema.ts. Nothing else in the runner reads process.env or argv.
//
// Two modes share the server settings: single-module mode (`bun run runner module.wasm`) takes
// the function's settings from flags; edge mode (`--control-plane URL`) takes every function and
// its settings from the control plane, so the per-function flags are refused there.
import { availableParallelism, hostname, totalmem } from "node:os";
import type { Static } from "@sinclair/typebox";
import { envJsonBytes, LIMITS } from "../core/contract";
import {
  collectFlags,
  parseFlags,
  readSecrets,
  validateConfig,
  type Informational,
  type ParsedFlags,
  type Refused,
} from "../core/config/load-config";
import {
  ALL_FLAGS,
  DEFAULT_MAX_BODY_BYTES,
  EDGE_FLAGS,
  EdgeConfigSchema,
  NUMERIC,
  RunnerConfigSchema,
  SECRET,
  SERVER_FLAGS,
  SINGLE_FLAGS,
  TOKEN,
  type EdgeConfig,
  type RunnerConfig,
} from "./config-schema";
import { parseControlPlanes } from "./control-plane-list";

export { USAGE, type EdgeConfig, type RunnerConfig } from "./config-schema";

export type ConfigResult = { ok: true; config: RunnerConfig } | Refused | Informational;
export type AnyConfigResult =
  | { ok: true; mode: "single"; config: RunnerConfig }
  | { ok: true; mode: "edge"; config: EdgeConfig; warnings: string[] }
  | Refused
  | Informational;

/** Either mode: edge mode when --control-plane (or EDGE_RUNNER_CONTROL_PLANE) is given. */
export function loadConfig(argv: string[], environment: Record<string, string | undefined>): AnyConfigResult {
  const parsed = parse(argv);
  if (parsed.ok !== true) return parsed;
  const edge = parsed.values["control-plane"] !== undefined || (environment.EDGE_RUNNER_CONTROL_PLANE ?? "") !== "";
  if (!edge) {
    const single = edgeFlagRefused(parsed) ?? loadSingle(parsed, environment);
    return single.ok === true ? { ok: true, mode: "single", config: single.config } : single;
  }
  return loadEdge(parsed, environment);
}

/** Single-module mode only (tests start runners in-process with it). */
export function loadRunnerConfig(argv: string[], environment: Record<string, string | undefined>): ConfigResult {
  const parsed = parse(argv);
  if (parsed.ok !== true) return parsed;
  return edgeFlagRefused(parsed) ?? loadSingle(parsed, environment);
}

/**
 * Single-module mode refuses the edge node's flags rather than ignoring them; a token on the
 * command line is refused as in edge mode (it shows in ps whatever the mode).
 */
function edgeFlagRefused(parsed: ParsedFlags): Refused | null {
  const onArgv = readSecrets({ token: parsed.values.token }, {}, [["token", TOKEN]]);
  if (!onArgv.ok) return onArgv;
  for (const flag of [...Object.keys(EDGE_FLAGS), `${TOKEN.flag}-file`])
    if (parsed.values[flag] !== undefined)
      return { ok: false, message: `--${flag} belongs to edge mode (--control-plane URL)` };
  return null;
}

function parse(argv: string[]): ParsedFlags | Refused | Informational {
  return parseFlags(argv, {
    strings: Object.keys(ALL_FLAGS),
    secrets: [TOKEN],
    extra: { env: { type: "string", multiple: true } },
    positionals: true,
  });
}

function loadSingle(parsed: ParsedFlags, environment: Record<string, string | undefined>): ConfigResult {
  if (parsed.positionals.length !== 1) return { ok: false, message: "expected exactly one module path" };
  const raw = collectFlags(parsed.values, environment, { ...SERVER_FLAGS, ...SINGLE_FLAGS }, { numeric: NUMERIC });
  raw.module = parsed.positionals[0];
  const envPairs = (parsed.values.env as string[] | undefined) ?? [];
  const env: Record<string, string> = {};
  for (const pair of envPairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return { ok: false, message: `--env expects KEY=VALUE, got "${pair}"` };
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const envBytes = envJsonBytes(env);
  if (envBytes > LIMITS.envJsonBytes)
    return {
      ok: false,
      message: `invalid --env: ${envBytes} bytes as JSON; at most ${LIMITS.envJsonBytes} (1 MiB) in all`,
    };
  raw.env = env;
  raw.name ??= defaultName(String(raw.module));
  raw.workers ??= availableParallelism();
  raw.maxBodyBytesInFlight ??= defaultBodyBudget(raw.maxBodyBytes);
  return checkBodyBudget(validate(RunnerConfigSchema, raw));
}

function loadEdge(parsed: ParsedFlags, environment: Record<string, string | undefined>): AnyConfigResult {
  if (parsed.positionals.length > 0)
    return {
      ok: false,
      message: "edge mode (--control-plane) serves the control plane's functions; drop the module path",
    };
  const perFunction = [...Object.keys(SINGLE_FLAGS), "env"].find((flag) => parsed.values[flag] !== undefined);
  if (perFunction)
    return { ok: false, message: `--${perFunction} is set per function on the control plane in edge mode` };
  const raw = collectFlags(parsed.values, environment, { ...SERVER_FLAGS, ...EDGE_FLAGS }, { numeric: NUMERIC });
  const controlPlanes = parseControlPlanes(String(raw.controlPlanes));
  if (!controlPlanes.ok) return controlPlanes;
  raw.controlPlanes = controlPlanes.urls;
  raw.workers ??= availableParallelism();
  raw.port ??= 3000;
  raw.nodeId ??= `${
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 100) || "node"
  }-${raw.port}`;
  raw.cacheDir ??= `.edge-cache/${raw.nodeId}`;
  const token = readSecrets(parsed.values, environment, [["token", TOKEN]]);
  if (!token.ok) return token;
  if (token.values.token === undefined)
    return {
      ok: false,
      message:
        "edge mode needs the control plane's read-only or admin token: --token-file FILE, or EDGE_RUNNER_TOKEN (or EDGE_RUNNER_TOKEN_FILE) in the environment",
    };
  raw.token = token.values.token;
  raw.maxBodyBytesInFlight ??= defaultBodyBudget(raw.maxBodyBytes);
  const result = checkBodyBudget(validate(EdgeConfigSchema, raw, token.sources));
  if (result.ok !== true) return result;
  return { ok: true, mode: "edge", config: result.config, warnings: token.warnings };
}

function validate<S extends typeof RunnerConfigSchema | typeof EdgeConfigSchema>(
  schema: S,
  raw: Record<string, unknown>,
  secretSources?: ReadonlyMap<string, string>,
): { ok: true; config: Static<S> } | Refused {
  // A bad --env KEY=VALUE is named by its key.
  const describe = (path: string, key: string) =>
    key === "env" ? `--env ${path.split("/")[2] ?? ""}`.trim() : undefined;
  return validateConfig(schema, raw, ALL_FLAGS, { describe, secrets: SECRET, secretSources });
}

/** Share of the memory that request bodies in flight may take by default. */
const BODY_BUDGET_SHARE = 1 / 32;

/** 1/32 of the memory this process may use (its cgroup's limit, else the machine's), and at least --max-body-bytes. */
function defaultBodyBudget(maxBodyBytes: unknown): number {
  const total = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  const memory = constrained > 0 && constrained < total ? constrained : total;
  return Math.max(
    typeof maxBodyBytes === "number" ? maxBodyBytes : DEFAULT_MAX_BODY_BYTES,
    Math.floor(memory * BODY_BUDGET_SHARE),
  );
}

/** A budget smaller than --max-body-bytes is refused: a body the node accepts must be able to fit. */
function checkBodyBudget<C extends { maxBodyBytes: number; maxBodyBytesInFlight: number }>(
  result: { ok: true; config: C } | Refused,
): { ok: true; config: C } | Refused {
  if (result.ok !== true || result.config.maxBodyBytesInFlight >= result.config.maxBodyBytes) return result;
  const { maxBodyBytes, maxBodyBytesInFlight } = result.config;
  return {
    ok: false,
    message: `invalid --max-body-bytes-in-flight: ${maxBodyBytesInFlight} is less than --max-body-bytes (${maxBodyBytes}); a body the node accepts must fit`,
  };
}

/** hello_world.wasm -> hello-world: the function name used in logs and metric labels. */
function defaultName(modulePath: string): string {
  const base = modulePath.split("/").pop() ?? "function";
  const slug = base
    .replace(/\.wasm$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug.slice(0, 63) || "function";
}
