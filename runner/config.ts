// The runner's one config schema: flags > env > defaults, validated at start.
// Nothing else in the runner reads process.env or argv.
import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { DEFAULT_ENTRYPOINT } from "./abi/edge-v1";

const MiB = 1024 * 1024;

export const RunnerConfigSchema = Type.Object({
  module: Type.String({ minLength: 1, description: "path of the .wasm to serve" }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  host: Type.String({ minLength: 1, default: "0.0.0.0" }),
  name: Type.String({ pattern: "^[a-z0-9][a-z0-9_-]{0,62}$", description: "function name in logs and metrics" }),
  entrypoint: Type.String({ minLength: 1, default: DEFAULT_ENTRYPOINT }),
  memoryPages: Type.Integer({ minimum: 1, maximum: 16384, default: 16 }),
  maxExecutionMs: Type.Integer({ minimum: 1, maximum: 60000, default: 500 }),
  env: Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.String(), { default: {} }),
  workers: Type.Integer({ minimum: 1, maximum: 256 }),
  queue: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1024, description: "max invocations waiting for a worker" }),
  maxBodyBytes: Type.Integer({ minimum: 0, default: 10 * MiB }),
  maxResponseBytes: Type.Integer({ minimum: 0, default: 16 * MiB }),
  maxLogLinesPerInvocation: Type.Integer({ minimum: 0, default: 100 }),
  sha256: Type.Optional(Type.String({ pattern: "^[0-9a-fA-F]{64}$" })),
  logLevel: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], { default: "info" }),
});
export type RunnerConfig = Static<typeof RunnerConfigSchema>;

/** Flag name -> [config key, env var]. Env vars use the EDGE_RUNNER_ prefix. */
const FLAGS = {
  port: ["port", "EDGE_RUNNER_PORT"],
  host: ["host", "EDGE_RUNNER_HOST"],
  name: ["name", "EDGE_RUNNER_NAME"],
  entrypoint: ["entrypoint", "EDGE_RUNNER_ENTRYPOINT"],
  "memory-pages": ["memoryPages", "EDGE_RUNNER_MEMORY_PAGES"],
  "max-execution-ms": ["maxExecutionMs", "EDGE_RUNNER_MAX_EXECUTION_MS"],
  workers: ["workers", "EDGE_RUNNER_WORKERS"],
  queue: ["queue", "EDGE_RUNNER_QUEUE"],
  "max-body-bytes": ["maxBodyBytes", "EDGE_RUNNER_MAX_BODY_BYTES"],
  "max-response-bytes": ["maxResponseBytes", "EDGE_RUNNER_MAX_RESPONSE_BYTES"],
  "max-log-lines": ["maxLogLinesPerInvocation", "EDGE_RUNNER_MAX_LOG_LINES"],
  sha256: ["sha256", "EDGE_RUNNER_SHA256"],
  "log-level": ["logLevel", "EDGE_RUNNER_LOG_LEVEL"],
} as const satisfies Record<string, readonly [keyof RunnerConfig, string]>;

const NUMERIC = new Set<keyof RunnerConfig>(["port", "memoryPages", "maxExecutionMs", "workers", "queue", "maxBodyBytes", "maxResponseBytes", "maxLogLinesPerInvocation"]);

export const USAGE = `usage: bun run runner <module.wasm> [--port 3000] [--host 0.0.0.0] [--name NAME] [--entrypoint handle]
       [--memory-pages 16] [--max-execution-ms 500] [--env KEY=VALUE]... [--workers N] [--queue 1024]
       [--max-body-bytes N] [--max-response-bytes N] [--max-log-lines 100] [--sha256 HEX] [--log-level info]`;

export type ConfigResult = { ok: true; config: RunnerConfig } | { ok: false; message: string } | { ok: "help" };

export function loadRunnerConfig(argv: string[], environment: Record<string, string | undefined>): ConfigResult {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: "string" as const }])),
        env: { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  if (parsed.values.help) return { ok: "help" };
  if (parsed.positionals.length !== 1) return { ok: false, message: "expected exactly one module path" };

  const raw: Record<string, unknown> = { module: parsed.positionals[0] };
  for (const [flag, [key, envVar]] of Object.entries(FLAGS)) {
    const text = (parsed.values as Record<string, unknown>)[flag] ?? environment[envVar];
    if (text === undefined) continue;
    raw[key] = NUMERIC.has(key) ? toNumber(String(text)) : text;
  }
  const envPairs = (parsed.values.env as string[] | undefined) ?? [];
  const env: Record<string, string> = {};
  for (const pair of envPairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return { ok: false, message: `--env expects KEY=VALUE, got "${pair}"` };
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  raw.env = env;
  raw.name ??= defaultName(String(raw.module));
  raw.workers ??= availableParallelism();

  const withDefaults = Value.Default(RunnerConfigSchema, raw);
  const firstError = Value.Errors(RunnerConfigSchema, withDefaults).First();
  if (firstError) return { ok: false, message: `invalid ${describePath(firstError.path)}: ${firstError.message}` };
  return { ok: true, config: withDefaults as RunnerConfig };
}

function toNumber(text: string): number | string {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

function describePath(path: string): string {
  const key = path.replace(/^\//, "").split("/")[0] as keyof RunnerConfig;
  const flag = Object.entries(FLAGS).find(([, [k]]) => k === key)?.[0];
  if (flag) return `--${flag}`;
  return key === "env" ? `--env ${path.split("/")[2] ?? ""}`.trim() : key || "config";
}

/** hello_world.wasm -> hello-world: the function name used in logs and metric labels. */
function defaultName(modulePath: string): string {
  const base = modulePath.split("/").pop() ?? "function";
  const slug = base.replace(/\.wasm$/i, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug.slice(0, 63) || "function";
}
