// The runner's one config schema: flags > env > defaults (core/config/load-config.ts), validated at start.
// Nothing else in the runner reads process.env or argv.
//
// The function's settings (name, limits, env) take the contract's bounds (core/contract), so a
// module runs here under exactly what the control plane would accept.
//
// Two modes share the server settings: single-module mode (`bun run runner module.wasm`) takes
// the function's settings from flags; edge mode (`--control-plane URL`) takes every function and
// its settings from the control plane, so the per-function flags are refused there.
import { availableParallelism, hostname, totalmem } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { Entrypoint, ENV_KEY_PATTERN, envJsonBytes, FUNCTION_DEFAULTS, LIMITS, NAME_PATTERN, NodeId } from "../core/contract";
import { collectFlags, parseFlags, readSecrets, TOKEN_BOUNDS, validateConfig, type FlagTable, type ParsedFlags, type Refused } from "../core/config/load-config";
import { ENGINE_SETTINGS } from "./lifecycle/engine-options";
import type { SecretSetting } from "../core/lifecycle/secret-file";

const MiB = 1024 * 1024;
const DEFAULT_MAX_BODY_BYTES = 10 * MiB;

const ServerSettings = {
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  host: Type.String({ minLength: 1, default: "0.0.0.0" }),
  workers: Type.Integer({ minimum: 1, maximum: 256 }),
  spareWorkers: Type.Integer({ minimum: 0, maximum: 256, default: 2, description: "extra workers that run functions seen running slow, so fast ones never wait behind them" }),
  sparePriority: Type.Union([Type.Literal("idle"), Type.Literal("normal")], { default: "idle", description: "idle: on the spares, functions that recently ran into their time limit get only CPU that others leave (Linux SCHED_IDLE); normal: never" }),
  queue: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1024, description: "max invocations waiting for a worker, all functions together" }),
  functionQueue: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: "max invocations of one function waiting for a worker; default 64 on an edge node (at most --queue), --queue in single-module mode" })),
  overloadWaitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000, description: "how long a request over its function's queue waits for a place before the 503; 0 answers at once" }),
  gcMarkers: Type.Integer({ minimum: 0, maximum: 64, default: ENGINE_SETTINGS.gcMarkers.default, description: "threads a JavaScriptCore collection marks with (BUN_JSC_numberOfGCMarkers; the runner restarts itself with it set); 0 keeps the engine's default, one per core" }),
  httpSliceUs: Type.Integer({ minimum: 0, maximum: 100_000, default: 100, description: "the HTTP thread's scheduling slice in microseconds (Linux 6.12+; 100 is the kernel's least): a short one puts it back on a CPU sooner when it wakes, which cuts the tail latency of a busy node; 0 keeps the kernel's default" }),
  fastMemories: Type.Integer({ minimum: 0, maximum: 16384, default: ENGINE_SETTINGS.fastMemories.default, description: "WebAssembly memories that may exist at once with guard pages instead of bounds checks (BUN_JSC_maxNumWasmFastMemories; each reserves 4 GiB of address space, not of memory; the runner restarts itself with it set); 0 keeps the engine's default, 8" }),
  instanceReuse: Type.Union([Type.Literal("on"), Type.Literal("off")], { default: "on", description: "on: a request may run on an instance a previous one used, reset to the state of a new instance (memory, globals, start function) where the module allows it; off: a new instance per request" }),
  maxBodyBytes: Type.Integer({ ...LIMITS.maxBodyBytes, default: DEFAULT_MAX_BODY_BYTES }),
  maxBodyBytesInFlight: Type.Integer({ minimum: 0, description: "bytes of request bodies the node holds at once, across all functions (503 body_budget beyond); default 1/32 of the memory (the cgroup's limit, else the machine's), and at least --max-body-bytes" }),
  maxResponseBytes: Type.Integer({ minimum: 0, default: 16 * MiB }),
  maxLogLinesPerInvocation: Type.Integer({ minimum: 0, default: 100 }),
  logLevel: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], { default: "info" }),
};

const RunnerConfigSchema = Type.Object({
  module: Type.String({ minLength: 1, description: "path of the .wasm to serve" }),
  name: Type.String({ pattern: NAME_PATTERN, description: "function name in logs and metrics" }),
  entrypoint: Type.String({ minLength: Entrypoint.minLength, maxLength: Entrypoint.maxLength, pattern: Entrypoint.pattern, default: FUNCTION_DEFAULTS.entrypoint }),
  memoryPages: Type.Integer({ ...LIMITS.memoryPages, default: FUNCTION_DEFAULTS.memory_pages }),
  maxExecutionMs: Type.Integer({ ...LIMITS.maxExecutionMs, default: FUNCTION_DEFAULTS.max_execution_ms }),
  maxConcurrency: Type.Optional(Type.Integer({ ...LIMITS.maxConcurrency, description: "most invocations in workers at once; default 16 per regular worker" })),
  env: Type.Record(Type.String({ pattern: ENV_KEY_PATTERN }), Type.String({ maxLength: LIMITS.envValueBytes }), { additionalProperties: false, maxProperties: LIMITS.envEntries, default: {} }),
  sha256: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$" })),
  ...ServerSettings,
});
export type RunnerConfig = Static<typeof RunnerConfigSchema>;

const EdgeConfigSchema = Type.Object({
  controlPlane: Type.String({ pattern: "^https?://[^\\s/?#]+/?$", description: "control plane base URL, e.g. http://127.0.0.1:8080" }),
  token: Type.String({ ...TOKEN_BOUNDS, description: "admin or read-only token of the control plane, from --token-file, EDGE_RUNNER_TOKEN_FILE or EDGE_RUNNER_TOKEN (never the command line)" }),
  nodeId: Type.String({ pattern: NodeId.pattern, description: "this node's id in the control plane's node list" }),
  cacheDir: Type.String({ minLength: 1, description: "state.json and verified artifacts, kept across restarts" }),
  cacheMb: Type.Integer({ minimum: 1, maximum: 1024 * 1024, default: 256, description: "compiled modules held in memory (estimated cost)" }),
  diskMb: Type.Integer({ minimum: 1, maximum: 1024 * 1024, default: 1024, description: "artifacts kept on disk" }),
  advertiseUrl: Type.Optional(Type.String({ pattern: "^https?://\\S+$", description: "address reported to the control plane; default http://<host>:<port>" })),
  prefetchConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: "artifact downloads at once" }),
  ...ServerSettings,
});
export type EdgeConfig = Static<typeof EdgeConfigSchema>;

type AnyKey = keyof RunnerConfig | keyof EdgeConfig;
type Flags = FlagTable<AnyKey>;

/** Flag name -> [config key, env var]. Env vars use the EDGE_RUNNER_ prefix. */
const SERVER_FLAGS = {
  port: ["port", "EDGE_RUNNER_PORT"],
  host: ["host", "EDGE_RUNNER_HOST"],
  workers: ["workers", "EDGE_RUNNER_WORKERS"],
  "spare-workers": ["spareWorkers", "EDGE_RUNNER_SPARE_WORKERS"],
  "spare-priority": ["sparePriority", "EDGE_RUNNER_SPARE_PRIORITY"],
  queue: ["queue", "EDGE_RUNNER_QUEUE"],
  "function-queue": ["functionQueue", "EDGE_RUNNER_FUNCTION_QUEUE"],
  "overload-wait-ms": ["overloadWaitMs", "EDGE_RUNNER_OVERLOAD_WAIT_MS"],
  "instance-reuse": ["instanceReuse", "EDGE_RUNNER_INSTANCE_REUSE"],
  [ENGINE_SETTINGS.gcMarkers.flag]: ["gcMarkers", ENGINE_SETTINGS.gcMarkers.env],
  [ENGINE_SETTINGS.fastMemories.flag]: ["fastMemories", ENGINE_SETTINGS.fastMemories.env],
  "http-slice-us": ["httpSliceUs", "EDGE_RUNNER_HTTP_SLICE_US"],
  "max-body-bytes": ["maxBodyBytes", "EDGE_RUNNER_MAX_BODY_BYTES"],
  "max-body-bytes-in-flight": ["maxBodyBytesInFlight", "EDGE_RUNNER_MAX_BODY_BYTES_IN_FLIGHT"],
  "max-response-bytes": ["maxResponseBytes", "EDGE_RUNNER_MAX_RESPONSE_BYTES"],
  "max-log-lines": ["maxLogLinesPerInvocation", "EDGE_RUNNER_MAX_LOG_LINES"],
  "log-level": ["logLevel", "EDGE_RUNNER_LOG_LEVEL"],
} as const;
const SINGLE_FLAGS = {
  name: ["name", "EDGE_RUNNER_NAME"],
  entrypoint: ["entrypoint", "EDGE_RUNNER_ENTRYPOINT"],
  "memory-pages": ["memoryPages", "EDGE_RUNNER_MEMORY_PAGES"],
  "max-execution-ms": ["maxExecutionMs", "EDGE_RUNNER_MAX_EXECUTION_MS"],
  "max-concurrency": ["maxConcurrency", "EDGE_RUNNER_MAX_CONCURRENCY"],
  sha256: ["sha256", "EDGE_RUNNER_SHA256"],
} as const;
const EDGE_FLAGS = {
  "control-plane": ["controlPlane", "EDGE_RUNNER_CONTROL_PLANE"],
  "node-id": ["nodeId", "EDGE_RUNNER_NODE_ID"],
  "cache-dir": ["cacheDir", "EDGE_RUNNER_CACHE_DIR"],
  "cache-mb": ["cacheMb", "EDGE_RUNNER_CACHE_MB"],
  "disk-mb": ["diskMb", "EDGE_RUNNER_DISK_MB"],
  "advertise-url": ["advertiseUrl", "EDGE_RUNNER_ADVERTISE_URL"],
  "prefetch-concurrency": ["prefetchConcurrency", "EDGE_RUNNER_PREFETCH_CONCURRENCY"],
} as const;
/** The token comes from a file or the environment, never argv: see core/lifecycle/secret-file.ts. */
const TOKEN: SecretSetting = { flag: "token", env: "EDGE_RUNNER_TOKEN" };
const ALL_FLAGS: Flags = { ...SERVER_FLAGS, ...SINGLE_FLAGS, ...EDGE_FLAGS };

const NUMERIC: ReadonlySet<string> = new Set<AnyKey>(["gcMarkers", "fastMemories", "httpSliceUs", "port", "memoryPages", "maxExecutionMs", "maxConcurrency", "workers", "spareWorkers", "queue", "functionQueue", "overloadWaitMs", "maxBodyBytes", "maxBodyBytesInFlight", "maxResponseBytes", "maxLogLinesPerInvocation", "cacheMb", "diskMb", "prefetchConcurrency"]);
const SECRET: ReadonlySet<string> = new Set<AnyKey>(["token"]);

export const USAGE = `usage: bun run runner <module.wasm> [--port 3000] [--host 0.0.0.0] [--name NAME] [--entrypoint handle]
       [--memory-pages 16] [--max-execution-ms 500] [--max-concurrency N] [--env KEY=VALUE]... [--workers N] [--spare-workers 2] [--spare-priority idle] [--queue 1024] [--function-queue N] [--overload-wait-ms 1000] [--instance-reuse on] [--gc-markers 1] [--fast-memories 4096] [--http-slice-us 100]
       [--max-body-bytes N] [--max-body-bytes-in-flight N] [--max-response-bytes N] [--max-log-lines 100] [--sha256 HEX] [--log-level info]
   or: bun run runner --control-plane URL --token-file FILE [--port 3000] [--host 0.0.0.0] [--node-id ID]
       [--cache-dir DIR] [--cache-mb 256] [--disk-mb 1024] [--advertise-url URL] [--prefetch-concurrency 4]
       [--workers N] [--spare-workers 2] [--spare-priority idle] [--queue 1024] [--function-queue 64] [--overload-wait-ms 1000] [--instance-reuse on] [--gc-markers 1] [--fast-memories 4096] [--http-slice-us 100] [--max-body-bytes N] [--max-body-bytes-in-flight N] [--max-response-bytes N] [--max-log-lines 100] [--log-level info]
Every flag also reads EDGE_RUNNER_<FLAG> from the environment (e.g. EDGE_RUNNER_TOKEN_FILE).
The token is never taken from the command line: --token-file FILE, or the token itself in EDGE_RUNNER_TOKEN.`;

export type ConfigResult = { ok: true; config: RunnerConfig } | Refused | { ok: "help" };
export type AnyConfigResult = { ok: true; mode: "single"; config: RunnerConfig } | { ok: true; mode: "edge"; config: EdgeConfig; warnings: string[] } | Refused | { ok: "help" };

/** Either mode: edge mode when --control-plane (or EDGE_RUNNER_CONTROL_PLANE) is given. */
export function loadConfig(argv: string[], environment: Record<string, string | undefined>): AnyConfigResult {
  const parsed = parse(argv);
  if (parsed.ok !== true) return parsed;
  const edge = parsed.values["control-plane"] !== undefined || (environment.EDGE_RUNNER_CONTROL_PLANE ?? "") !== "";
  if (!edge) {
    const single = loadSingle(parsed, environment);
    return single.ok === true ? { ok: true, mode: "single", config: single.config } : single;
  }
  return loadEdge(parsed, environment);
}

/** Single-module mode only (tests start runners in-process with it). */
export function loadRunnerConfig(argv: string[], environment: Record<string, string | undefined>): ConfigResult {
  const parsed = parse(argv);
  if (parsed.ok !== true) return parsed;
  for (const flag of [...Object.keys(EDGE_FLAGS), TOKEN.flag, `${TOKEN.flag}-file`]) if (parsed.values[flag] !== undefined) return { ok: false, message: `--${flag} belongs to edge mode` };
  return loadSingle(parsed, environment);
}

function parse(argv: string[]): ParsedFlags | Refused | { ok: "help" } {
  return parseFlags(argv, { strings: Object.keys(ALL_FLAGS), secrets: [TOKEN], extra: { env: { type: "string", multiple: true } }, positionals: true });
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
  if (envBytes > LIMITS.envJsonBytes) return { ok: false, message: `invalid --env: ${envBytes} bytes as JSON; at most ${LIMITS.envJsonBytes} (1 MiB) in all` };
  raw.env = env;
  raw.name ??= defaultName(String(raw.module));
  raw.workers ??= availableParallelism();
  raw.maxBodyBytesInFlight ??= defaultBodyBudget(raw.maxBodyBytes);
  return checkBodyBudget(validate(RunnerConfigSchema, raw));
}

function loadEdge(parsed: ParsedFlags, environment: Record<string, string | undefined>): AnyConfigResult {
  if (parsed.positionals.length > 0) return { ok: false, message: "edge mode (--control-plane) serves the control plane's functions; drop the module path" };
  const perFunction = [...Object.keys(SINGLE_FLAGS), "env"].find((flag) => parsed.values[flag] !== undefined);
  if (perFunction) return { ok: false, message: `--${perFunction} is set per function on the control plane in edge mode` };
  const raw = collectFlags(parsed.values, environment, { ...SERVER_FLAGS, ...EDGE_FLAGS }, { numeric: NUMERIC });
  raw.workers ??= availableParallelism();
  raw.port ??= 3000;
  raw.nodeId ??= `${hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 100) || "node"}-${raw.port}`;
  raw.cacheDir ??= `.edge-cache/${raw.nodeId}`;
  const token = readSecrets(parsed.values, environment, [["token", TOKEN]]);
  if (!token.ok) return token;
  if (token.values.token === undefined) return { ok: false, message: "edge mode needs the control plane's read-only or admin token: --token-file FILE, or EDGE_RUNNER_TOKEN (or EDGE_RUNNER_TOKEN_FILE) in the environment" };
  raw.token = token.values.token;
  raw.maxBodyBytesInFlight ??= defaultBodyBudget(raw.maxBodyBytes);
  const result = checkBodyBudget(validate(EdgeConfigSchema, raw, token.sources));
  if (result.ok !== true) return result;
  return { ok: true, mode: "edge", config: result.config, warnings: token.warnings };
}

function validate<S extends typeof RunnerConfigSchema | typeof EdgeConfigSchema>(schema: S, raw: Record<string, unknown>, secretSources?: ReadonlyMap<string, string>): { ok: true; config: Static<S> } | Refused {
  // A bad --env KEY=VALUE is named by its key.
  const describe = (path: string, key: string) => (key === "env" ? `--env ${path.split("/")[2] ?? ""}`.trim() : undefined);
  return validateConfig(schema, raw, ALL_FLAGS, { describe, secrets: SECRET, secretSources });
}

/** Share of the memory that request bodies in flight may take by default. */
const BODY_BUDGET_SHARE = 1 / 32;

/** 1/32 of the memory this process may use (its cgroup's limit, else the machine's), and at least --max-body-bytes. */
function defaultBodyBudget(maxBodyBytes: unknown): number {
  const total = totalmem();
  const constrained = process.constrainedMemory?.() ?? 0;
  const memory = constrained > 0 && constrained < total ? constrained : total;
  return Math.max(typeof maxBodyBytes === "number" ? maxBodyBytes : DEFAULT_MAX_BODY_BYTES, Math.floor(memory * BODY_BUDGET_SHARE));
}

/** A budget smaller than --max-body-bytes is refused: a body the node accepts must be able to fit. */
function checkBodyBudget<C extends { maxBodyBytes: number; maxBodyBytesInFlight: number }>(result: { ok: true; config: C } | Refused): { ok: true; config: C } | Refused {
  if (result.ok !== true || result.config.maxBodyBytesInFlight >= result.config.maxBodyBytes) return result;
  const { maxBodyBytes, maxBodyBytesInFlight } = result.config;
  return { ok: false, message: `invalid --max-body-bytes-in-flight: ${maxBodyBytesInFlight} is less than --max-body-bytes (${maxBodyBytes}); a body the node accepts must fit` };
}

/** hello_world.wasm -> hello-world: the function name used in logs and metric labels. */
function defaultName(modulePath: string): string {
  const base = modulePath.split("/").pop() ?? "function";
  const slug = base.replace(/\.wasm$/i, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug.slice(0, 63) || "function";
}
