// The runner's config schema: every setting with its bounds and default, the flag and env var
// that set it, and the usage text. Loading (flags > env > defaults) is in config.ts.
//
// The function's settings (name, limits, env) take the contract's bounds (core/contract), so a
// module runs here under exactly what the control plane would accept.
import { Type, type Static } from "@sinclair/typebox";
import { Entrypoint, ENV_KEY_PATTERN, FUNCTION_DEFAULTS, LIMITS, NAME_PATTERN, NodeId } from "../core/contract";
import { TOKEN_BOUNDS, type FlagTable } from "../core/config/load-config";
import type { SecretSetting } from "../core/lifecycle/secret-file";
import { MAX_CONTROL_PLANES } from "./control-plane-list";
import { ENGINE_SETTINGS } from "./lifecycle/engine-options";

const MiB = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 10 * MiB;

const ServerSettings = {
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  host: Type.String({ minLength: 1, default: "0.0.0.0" }),
  workers: Type.Integer({ minimum: 1, maximum: 256 }),
  spareWorkers: Type.Integer({
    minimum: 0,
    maximum: 256,
    default: 2,
    description: "extra workers that run functions seen running slow, so fast ones never wait behind them",
  }),
  sparePriority: Type.Union([Type.Literal("idle"), Type.Literal("normal")], {
    default: "idle",
    description:
      "idle: on the spares, functions that recently ran into their time limit get only CPU that others leave (Linux SCHED_IDLE); normal: never",
  }),
  queue: Type.Integer({
    minimum: 0,
    maximum: 1_000_000,
    default: 1024,
    description: "max invocations waiting for a worker, all functions together",
  }),
  functionQueue: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description:
        "max invocations of one function waiting for a worker; default 64 on an edge node (at most --queue), --queue in single-module mode",
    }),
  ),
  overloadWaitMs: Type.Integer({
    minimum: 0,
    maximum: 60_000,
    default: 1000,
    description: "how long a request over its function's queue waits for a place before the 503; 0 answers at once",
  }),
  gcMarkers: Type.Integer({
    minimum: 0,
    maximum: 64,
    default: ENGINE_SETTINGS.gcMarkers.default,
    description:
      "threads a JavaScriptCore collection marks with (BUN_JSC_numberOfGCMarkers; the runner restarts itself with it set); 0 keeps the engine's default, one per core",
  }),
  httpSliceUs: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    default: 100,
    description:
      "the HTTP thread's scheduling slice in microseconds (Linux 6.12+; 100 is the kernel's least): a short one puts it back on a CPU sooner when it wakes, which cuts the tail latency of a busy node; 0 keeps the kernel's default",
  }),
  fastMemories: Type.Integer({
    minimum: 0,
    maximum: 16384,
    default: ENGINE_SETTINGS.fastMemories.default,
    description:
      "WebAssembly memories that may exist at once with guard pages instead of bounds checks (BUN_JSC_maxNumWasmFastMemories; each reserves 4 GiB of address space, not of memory; the runner restarts itself with it set); 0 keeps the engine's default, 8",
  }),
  instanceReuse: Type.Union([Type.Literal("on"), Type.Literal("off")], {
    default: "on",
    description:
      "on: a request may run on an instance a previous one used, reset to the state of a new instance (memory, globals, start function) where the module allows it; off: a new instance per request",
  }),
  maxBodyBytes: Type.Integer({ ...LIMITS.maxBodyBytes, default: DEFAULT_MAX_BODY_BYTES }),
  maxBodyBytesInFlight: Type.Integer({
    minimum: 0,
    description:
      "bytes of request bodies the node holds at once, across all functions (503 body_budget beyond); default 1/32 of the memory (the cgroup's limit, else the machine's), and at least --max-body-bytes",
  }),
  maxResponseBytes: Type.Integer({ minimum: 0, default: 16 * MiB }),
  maxLogLinesPerInvocation: Type.Integer({ minimum: 0, default: 100 }),
  logLevel: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
    default: "info",
  }),
};

export const RunnerConfigSchema = Type.Object({
  module: Type.String({ minLength: 1, description: "path of the .wasm to serve" }),
  name: Type.String({ pattern: NAME_PATTERN, description: "function name in logs and metrics" }),
  runtime: Type.Optional(
    Type.Union([Type.Literal("wasm"), Type.Literal("wasi")], {
      description: "the module's ABI; default: read from the module (a WASI command exports _start)",
    }),
  ),
  // Entrypoint and memory cap default by runtime (module-settings.ts): handle and 16 pages for
  // wasm, _start and 128 pages for wasi.
  entrypoint: Type.Optional(
    Type.String({ minLength: Entrypoint.minLength, maxLength: Entrypoint.maxLength, pattern: Entrypoint.pattern }),
  ),
  memoryPages: Type.Optional(Type.Integer(LIMITS.memoryPages)),
  maxExecutionMs: Type.Integer({ ...LIMITS.maxExecutionMs, default: FUNCTION_DEFAULTS.max_execution_ms }),
  maxConcurrency: Type.Optional(
    Type.Integer({
      ...LIMITS.maxConcurrency,
      description: "most invocations in workers at once; default 16 per regular worker",
    }),
  ),
  env: Type.Record(Type.String({ pattern: ENV_KEY_PATTERN }), Type.String({ maxLength: LIMITS.envValueBytes }), {
    additionalProperties: false,
    maxProperties: LIMITS.envEntries,
    default: {},
  }),
  sha256: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$" })),
  ...ServerSettings,
});
export type RunnerConfig = Static<typeof RunnerConfigSchema>;

export const EdgeConfigSchema = Type.Object({
  // Parsed from "URL1,URL2,..." by control-plane-list.ts, which names a bad entry; the schema
  // holds the result to the same rules.
  controlPlanes: Type.Array(Type.String({ pattern: "^https?://[^\\s/?#@]+$" }), {
    minItems: 1,
    maxItems: MAX_CONTROL_PLANES,
    uniqueItems: true,
    description:
      "control plane base URLs, comma-separated, e.g. http://10.0.0.1:8080,http://10.0.0.2:8080: the node follows one and moves to the next when it fails",
  }),
  token: Type.String({
    ...TOKEN_BOUNDS,
    description:
      "admin or read-only token of the control plane, from --token-file, EDGE_RUNNER_TOKEN_FILE or EDGE_RUNNER_TOKEN (never the command line)",
  }),
  nodeId: Type.String({ pattern: NodeId.pattern, description: "this node's id in the control plane's node list" }),
  cacheDir: Type.String({ minLength: 1, description: "state.json and verified artifacts, kept across restarts" }),
  cacheMb: Type.Integer({
    minimum: 1,
    maximum: 1024 * 1024,
    default: 256,
    description: "compiled modules held in memory (estimated cost)",
  }),
  diskMb: Type.Integer({ minimum: 1, maximum: 1024 * 1024, default: 1024, description: "artifacts kept on disk" }),
  advertiseUrl: Type.Optional(
    Type.String({
      pattern: "^https?://\\S+$",
      description: "address reported to the control plane; default http://<host>:<port>",
    }),
  ),
  prefetchConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: "artifact downloads at once" }),
  ...ServerSettings,
});
export type EdgeConfig = Static<typeof EdgeConfigSchema>;

export type AnyKey = keyof RunnerConfig | keyof EdgeConfig;
type Flags = FlagTable<AnyKey>;

/** Flag name -> [config key, env var]. Env vars use the EDGE_RUNNER_ prefix. */
export const SERVER_FLAGS = {
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
export const SINGLE_FLAGS = {
  name: ["name", "EDGE_RUNNER_NAME"],
  runtime: ["runtime", "EDGE_RUNNER_RUNTIME"],
  entrypoint: ["entrypoint", "EDGE_RUNNER_ENTRYPOINT"],
  "memory-pages": ["memoryPages", "EDGE_RUNNER_MEMORY_PAGES"],
  "max-execution-ms": ["maxExecutionMs", "EDGE_RUNNER_MAX_EXECUTION_MS"],
  "max-concurrency": ["maxConcurrency", "EDGE_RUNNER_MAX_CONCURRENCY"],
  sha256: ["sha256", "EDGE_RUNNER_SHA256"],
} as const;
export const EDGE_FLAGS = {
  "control-plane": ["controlPlanes", "EDGE_RUNNER_CONTROL_PLANE"],
  "node-id": ["nodeId", "EDGE_RUNNER_NODE_ID"],
  "cache-dir": ["cacheDir", "EDGE_RUNNER_CACHE_DIR"],
  "cache-mb": ["cacheMb", "EDGE_RUNNER_CACHE_MB"],
  "disk-mb": ["diskMb", "EDGE_RUNNER_DISK_MB"],
  "advertise-url": ["advertiseUrl", "EDGE_RUNNER_ADVERTISE_URL"],
  "prefetch-concurrency": ["prefetchConcurrency", "EDGE_RUNNER_PREFETCH_CONCURRENCY"],
} as const;
/** The token comes from a file or the environment, never argv: see core/lifecycle/secret-file.ts. */
export const TOKEN: SecretSetting = { flag: "token", env: "EDGE_RUNNER_TOKEN" };
export const ALL_FLAGS: Flags = { ...SERVER_FLAGS, ...SINGLE_FLAGS, ...EDGE_FLAGS };

export const NUMERIC: ReadonlySet<string> = new Set<AnyKey>([
  "gcMarkers",
  "fastMemories",
  "httpSliceUs",
  "port",
  "memoryPages",
  "maxExecutionMs",
  "maxConcurrency",
  "workers",
  "spareWorkers",
  "queue",
  "functionQueue",
  "overloadWaitMs",
  "maxBodyBytes",
  "maxBodyBytesInFlight",
  "maxResponseBytes",
  "maxLogLinesPerInvocation",
  "cacheMb",
  "diskMb",
  "prefetchConcurrency",
]);
export const SECRET: ReadonlySet<string> = new Set<AnyKey>(["token"]);

export const USAGE = `usage: bun run runner <module.wasm> [--port 3000] [--host 0.0.0.0] [--name NAME] [--runtime wasm|wasi]
       [--entrypoint handle|_start] [--memory-pages 16|128] [--max-execution-ms 500] [--max-concurrency N] [--env KEY=VALUE]... [--workers N] [--spare-workers 2] [--spare-priority idle] [--queue 1024] [--function-queue N] [--overload-wait-ms 1000] [--instance-reuse on] [--gc-markers 1] [--fast-memories 4096] [--http-slice-us 100]
       [--max-body-bytes N] [--max-body-bytes-in-flight N] [--max-response-bytes N] [--max-log-lines 100] [--sha256 HEX] [--log-level info]
   or: bun run runner --control-plane URL[,URL...] --token-file FILE [--port 3000] [--host 0.0.0.0] [--node-id ID]
       [--cache-dir DIR] [--cache-mb 256] [--disk-mb 1024] [--advertise-url URL] [--prefetch-concurrency 4]
       [--workers N] [--spare-workers 2] [--spare-priority idle] [--queue 1024] [--function-queue 64] [--overload-wait-ms 1000] [--instance-reuse on] [--gc-markers 1] [--fast-memories 4096] [--http-slice-us 100] [--max-body-bytes N] [--max-body-bytes-in-flight N] [--max-response-bytes N] [--max-log-lines 100] [--log-level info]
   or: bun run runner --version | --help
Every flag also reads EDGE_RUNNER_<FLAG> from the environment (e.g. EDGE_RUNNER_TOKEN_FILE).
The token is never taken from the command line: --token-file FILE, or the token itself in EDGE_RUNNER_TOKEN.
--control-plane takes up to ${MAX_CONTROL_PLANES} comma-separated URLs (replicas of one control plane): the node follows one and moves
to the next when its watch fails, closes or goes silent; artifact downloads try the one it follows, then the others.`;
