// What crosses between the control plane and the runner: the function and version records
// and the change feed, declared once as TypeBox schemas (JSON Schema for the API docs, static
// types for code). Plain TypeBox, no Elysia, so the runner can import this without the server.
import { Type, type Static } from "@sinclair/typebox";
import { DEFAULT_ENTRYPOINT } from "../abi/edge-v1";
import type { RuntimeName } from "../abi/runtimes";
import { WASI_ENTRYPOINT, WASI_MEMORY_PAGES } from "../abi/wasi-preview1";

export const LIMITS = {
  memoryPages: { minimum: 1, maximum: 16384 },
  maxExecutionMs: { minimum: 1, maximum: 60000 },
  envEntries: 256,
  envKeyChars: 128,
  envValueBytes: 16384,
  /** The whole env as JSON (UTF-8): keeps one function inside one watch message (see watch.ts). */
  envJsonBytes: 1024 * 1024,
  routes: 32,
  maxConcurrency: { minimum: 1, maximum: 1024 },
  maxBodyBytes: { minimum: 0, maximum: 1024 * 1024 * 1024 },
} as const;

export const FUNCTION_DEFAULTS = {
  entrypoint: DEFAULT_ENTRYPOINT,
  runtime: "wasm",
  memory_pages: 16,
  max_execution_ms: 500,
} as const;

export { RUNTIMES, type RuntimeName } from "../abi/runtimes";

/**
 * The settings whose default depends on the runtime: a WASI command's entrypoint is `_start`, and
 * a plain Rust program needs 17 pages before its heap (docs/wasi.md).
 */
export const RUNTIME_DEFAULTS: Record<RuntimeName, { entrypoint: string; memory_pages: number }> = {
  wasm: { entrypoint: FUNCTION_DEFAULTS.entrypoint, memory_pages: FUNCTION_DEFAULTS.memory_pages },
  wasi: { entrypoint: WASI_ENTRYPOINT, memory_pages: WASI_MEMORY_PAGES },
};

/** A lower-case slug; also a valid runner --name, so logs and metric labels agree. */
export const NAME_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";
/** `/`, `/a/b` (exactly that path) or `/a/*` (everything under /a/); see route-pattern.ts. */
export const ROUTE_PATTERN = "^(/|(/[A-Za-z0-9._~!$&'()+,;=:@%-]+)+|(/[A-Za-z0-9._~!$&'()+,;=:@%-]+)*/\\*)$";
export const ENV_KEY_PATTERN = `^[A-Za-z_][A-Za-z0-9_]{0,${LIMITS.envKeyChars - 1}}$`;

export const FunctionName = Type.String({
  pattern: NAME_PATTERN,
  description: "Lower-case slug (a-z, 0-9, '-'; starts with a letter or digit; at most 63 characters), unique",
  error: "must be a lower-case slug: a-z, 0-9 and '-', starting with a letter or digit, at most 63 characters",
  example: "hello",
});
export const Entrypoint = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[A-Za-z_$][A-Za-z0-9_$.-]*$",
  description: "Exported function the runner calls per request; default `handle`, `_start` for runtime wasi",
  default: FUNCTION_DEFAULTS.entrypoint,
  example: FUNCTION_DEFAULTS.entrypoint,
});
export const Runtime = Type.Union([Type.Literal("wasm"), Type.Literal("wasi")], {
  description:
    "wasm: a module written against the edge v1 ABI (exports `handle`); wasi: a WASI preview 1 command (exports `_start`), served as CGI (WAGI, docs/wasi.md). For wasi, entrypoint defaults to `_start` and memory_pages to 128; changing the runtime moves either one still at the old runtime's default to the new one's",
  default: "wasm",
  error: "must be wasm (the edge v1 ABI) or wasi (a WASI preview 1 command)",
});
export const MemoryPages = Type.Integer({
  ...LIMITS.memoryPages,
  description: "Memory cap in 64 KiB pages (16 = 1 MiB); default 16, 128 for runtime wasi",
  default: FUNCTION_DEFAULTS.memory_pages,
  example: FUNCTION_DEFAULTS.memory_pages,
});
export const MaxExecutionMs = Type.Integer({
  ...LIMITS.maxExecutionMs,
  description: "Deadline of one invocation in milliseconds",
  default: FUNCTION_DEFAULTS.max_execution_ms,
  example: FUNCTION_DEFAULTS.max_execution_ms,
});
/** Null (or absent, from an older control plane) means the node's default. */
export const MaxConcurrency = Type.Union([Type.Integer(LIMITS.maxConcurrency), Type.Null()], {
  description:
    "Most invocations of this function a node runs or lines up in its workers at once; the rest wait in the function's own queue. Null: the node's default, derived from its worker count",
  default: null,
  example: null,
});
export const MaxBodyBytes = Type.Union([Type.Integer(LIMITS.maxBodyBytes), Type.Null()], {
  description:
    "Largest request body this function accepts (413 beyond it); a node never accepts more than its own --max-body-bytes. Null: the node's limit",
  default: null,
  example: null,
});
export const Env = Type.Record(
  Type.String({ pattern: ENV_KEY_PATTERN }),
  Type.String({ maxLength: LIMITS.envValueBytes }),
  {
    additionalProperties: false,
    maxProperties: LIMITS.envEntries,
    description:
      "Variables the guest reads with env_get (keys: letters, digits, '_'; not starting with a digit). At most 1 MiB in all, measured as the object's JSON text in UTF-8",
    error:
      "must map names (letters, digits and '_', not starting with a digit, at most 128 characters; at most 256 names) to strings of at most 16384 characters; 1 MiB in all, as JSON",
    example: { GREETING: "hello" },
  },
);
export const Route = Type.String({
  maxLength: 256,
  pattern: ROUTE_PATTERN,
  description: "An exact path (`/api/users`) or a prefix ending in `/*` (`/api/*` serves everything under /api/)",
  error: "must be an absolute path such as /api/users, or a prefix ending in /* such as /api/*",
  example: "/api/*",
});
export const Routes = Type.Array(Route, {
  maxItems: LIMITS.routes,
  uniqueItems: true,
  description: "Paths this function serves; default `/<name>` and `/<name>/*`; may not overlap another function's",
  example: ["/hello", "/hello/*"],
});
export const Timestamp = Type.String({ format: "date-time", example: "2025-01-01T12:00:00.000Z" });
export const FunctionId = Type.String({
  description: "Function id (a UUID, assigned at registration)",
  example: "01935c1e-8f2a-7cc3-9d4e-4f7b2a9e0c11",
});
/**
 * Text a store can hold: no NUL, which PostgreSQL's text refuses (SQLite would just find nothing),
 * so an id or cursor holding one is refused alike on both backends.
 */
export const NO_NUL = "^[^\\u0000]*$";
/** The id in a path: no example, so Swagger UI's "Try it out" starts with an empty field. */
export const FunctionIdParam = Type.String({
  maxLength: 64,
  pattern: NO_NUL,
  description: "Function id, as returned by POST /api/v1/functions",
  error: "must be a function id (no NUL character)",
});
export const Sha256Hex = Type.String({
  pattern: "^[0-9a-f]{64}$",
  description: "SHA-256 of the module, lower-case hex",
  example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
});

export const FunctionRecord = Type.Object(
  {
    id: FunctionId,
    name: FunctionName,
    entrypoint: Entrypoint,
    runtime: Runtime,
    memory_pages: MemoryPages,
    max_execution_ms: MaxExecutionMs,
    max_concurrency: Type.Optional(MaxConcurrency),
    max_body_bytes: Type.Optional(MaxBodyBytes),
    env: Env,
    routes: Routes,
    active_version: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: "Version the edge serves; null until one is uploaded",
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, description: "A registered function" },
);
export type FunctionRecord = Static<typeof FunctionRecord>;

/** What a caller may set on a function; the store assigns the rest. */
export type FunctionSpec = Pick<
  FunctionRecord,
  "name" | "entrypoint" | "runtime" | "memory_pages" | "max_execution_ms" | "env" | "routes"
> & {
  max_concurrency: number | null;
  max_body_bytes: number | null;
};

export const VersionRecord = Type.Object(
  {
    function_id: FunctionId,
    version: Type.Integer({ minimum: 1, description: "1, 2, 3 ... per function, in upload order", example: 1 }),
    sha256: Sha256Hex,
    size: Type.Integer({ minimum: 0, description: "Module size in bytes", example: 1234 }),
    active: Type.Boolean({ description: "Whether this is the function's active version" }),
    created_at: Timestamp,
  },
  { additionalProperties: false, description: "An uploaded, validated module of a function" },
);
export type VersionRecord = Static<typeof VersionRecord>;

export const CHANGE_KINDS = [
  "function.created",
  "function.updated",
  "function.deleted",
  "version.created",
  "version.activated",
  "secrets.changed",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Size of an env as the store keeps it and the watch stream carries it: its JSON text in UTF-8. */
export function envJsonBytes(env: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify(env));
}
