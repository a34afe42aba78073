// The control plane's one config schema: flags > env > defaults (core/config/load-config.ts),
// validated at start. Nothing else in control/ reads process.env or argv.
import { Type, type Static } from "@sinclair/typebox";
import {
  collectFlags,
  parseFlags,
  readSecrets,
  TOKEN_BOUNDS,
  validateConfig,
  type Informational,
} from "../core/config/load-config";
import type { SecretSetting } from "../core/lifecycle/secret-file";
import { SECRETS_KEY_HOWTO, SecretBox } from "./store/secret-box";
import { parseArtifactsLocation } from "./store/artifacts-location";
import { urlHasPassword } from "./store/postgres/database";

const MiB = 1024 * 1024;
const Token = (description: string) => Type.String({ ...TOKEN_BOUNDS, description });

const ControlConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  host: Type.String({ minLength: 1, default: "0.0.0.0" }),
  dataDir: Type.String({
    minLength: 1,
    default: "./data",
    description: "metadata.sqlite, artifacts/, tmp/ and the generated admin-token",
  }),
  databaseUrl: Type.Optional(
    Type.String({
      pattern: "^postgres(ql)?://",
      description:
        "PostgreSQL for the metadata (postgres://user@host:5432/db), from --database-url or EDGE_CONTROL_DATABASE_URL (DATABASE_URL is not read); unset: SQLite in the data dir",
    }),
  ),
  artifacts: Type.Optional(
    Type.String({
      description:
        "where module bytes are kept: s3://BUCKET[/prefix] (endpoint, region and credentials from S3_* or AWS_* variables); unset: files in the data dir",
    }),
  ),
  token: Type.Optional(
    Token(
      "admin token (all routes), from --token-file, EDGE_CONTROL_TOKEN_FILE or EDGE_CONTROL_TOKEN; generated into <data-dir>/admin-token when unset",
    ),
  ),
  readToken: Type.Optional(
    Token(
      "read-only token for edge nodes (GET routes and artifact downloads), from --read-token-file, EDGE_CONTROL_READ_TOKEN_FILE or EDGE_CONTROL_READ_TOKEN",
    ),
  ),
  maxUploadBytes: Type.Integer({ minimum: 1, maximum: 1024 * MiB, default: 50 * MiB }),
  keepVersions: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description:
        "versions kept per function: the newest N and the active one; older ones and their unshared artifacts are deleted (unset: keep all)",
    }),
  ),
  changeRetention: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 10_000,
    description: "deletions remembered for edge nodes to resume from; a node behind an older one gets a snapshot",
  }),
  maxNodes: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 1_000,
    description: "node records kept; a new node id beyond it is refused",
  }),
  nodeRetentionS: Type.Integer({
    minimum: 1,
    maximum: 10 * 365 * 86_400,
    default: 7 * 86_400,
    description: "a disconnected node's record (and key) is forgotten after this many seconds unseen",
  }),
  // At most 5 s: nodes take 15 s of silence (3 heartbeats) as a dead connection.
  heartbeatMs: Type.Integer({
    minimum: 100,
    maximum: 5_000,
    default: 5_000,
    description: "how often the watch stream says it is alive",
  }),
  secretsKey: Type.Optional(
    Type.String({
      description:
        "the key function secrets are sealed with at rest (32 random bytes as hex or base64), from --secrets-key-file, EDGE_CONTROL_SECRETS_KEY_FILE or EDGE_CONTROL_SECRETS_KEY; without one the secret routes answer 409 secrets_disabled",
    }),
  ),
  logLevel: Type.Union([Type.Literal("debug"), Type.Literal("info"), Type.Literal("warn"), Type.Literal("error")], {
    default: "info",
  }),
});
export type ControlConfig = Static<typeof ControlConfigSchema>;

/** Flag name -> [config key, env var]. */
const FLAGS = {
  port: ["port", "EDGE_CONTROL_PORT"],
  host: ["host", "EDGE_CONTROL_HOST"],
  "data-dir": ["dataDir", "EDGE_CONTROL_DATA_DIR"],
  "database-url": ["databaseUrl", "EDGE_CONTROL_DATABASE_URL"],
  artifacts: ["artifacts", "EDGE_CONTROL_ARTIFACTS"],
  "max-upload-bytes": ["maxUploadBytes", "EDGE_CONTROL_MAX_UPLOAD_BYTES"],
  "keep-versions": ["keepVersions", "EDGE_CONTROL_KEEP_VERSIONS"],
  "change-retention": ["changeRetention", "EDGE_CONTROL_CHANGE_RETENTION"],
  "max-nodes": ["maxNodes", "EDGE_CONTROL_MAX_NODES"],
  "node-retention-s": ["nodeRetentionS", "EDGE_CONTROL_NODE_RETENTION_S"],
  "heartbeat-ms": ["heartbeatMs", "EDGE_CONTROL_HEARTBEAT_MS"],
  "log-level": ["logLevel", "EDGE_CONTROL_LOG_LEVEL"],
} as const satisfies Record<string, readonly [keyof ControlConfig, string]>;

const NUMERIC: ReadonlySet<string> = new Set<keyof ControlConfig>([
  "port",
  "maxUploadBytes",
  "keepVersions",
  "changeRetention",
  "maxNodes",
  "nodeRetentionS",
  "heartbeatMs",
]);
/** Secrets come from a file or the environment, never from argv (see core/lifecycle/secret-file.ts). */
const SECRETS: [keyof ControlConfig, SecretSetting][] = [
  ["token", { flag: "token", env: "EDGE_CONTROL_TOKEN" }],
  ["readToken", { flag: "read-token", env: "EDGE_CONTROL_READ_TOKEN" }],
  ["secretsKey", { flag: "secrets-key", env: "EDGE_CONTROL_SECRETS_KEY" }],
];

export const USAGE = `usage: bun run control [--port 8080] [--host 0.0.0.0] [--data-dir ./data] [--token-file FILE]
       [--database-url postgres://user@host:5432/db] [--artifacts s3://BUCKET[/prefix]]
       [--read-token-file FILE] [--max-upload-bytes 52428800] [--keep-versions N] [--change-retention 10000]
       [--heartbeat-ms 5000] [--max-nodes 1000] [--node-retention-s 604800] [--secrets-key-file FILE] [--log-level info]
   or: bun run control --show-admin-token [--data-dir ./data]   (prints the admin token and exits)
   or: bun run control --version | --help
Every flag also reads EDGE_CONTROL_<FLAG> from the environment (e.g. EDGE_CONTROL_TOKEN_FILE).
Tokens are never taken from the command line: --token-file / --read-token-file, or the token itself in
EDGE_CONTROL_TOKEN / EDGE_CONTROL_READ_TOKEN. Without an admin token one is generated into
<data-dir>/admin-token and printed once. Function secrets need --secrets-key-file FILE (or
EDGE_CONTROL_SECRETS_KEY_FILE) holding 32 random bytes as hex or base64; make one with
  openssl rand -hex 32 > secrets.key && chmod 600 secrets.key`;

export type ConfigResult =
  | { ok: true; config: ControlConfig; warnings: string[]; showAdminToken: boolean }
  | { ok: false; message: string }
  | Informational;

export function loadControlConfig(argv: string[], environment: Record<string, string | undefined>): ConfigResult {
  const parsed = parseFlags(argv, {
    strings: Object.keys(FLAGS),
    secrets: SECRETS.map(([, setting]) => setting),
    extra: { "show-admin-token": { type: "boolean" } },
  });
  if (parsed.ok !== true) return parsed;
  const raw = collectFlags(parsed.values, environment, FLAGS, { numeric: NUMERIC, emptyIsUnset: true });
  const secrets = readSecrets(parsed.values, environment, SECRETS);
  if (!secrets.ok) return secrets;
  const validated = validateConfig(ControlConfigSchema, { ...raw, ...secrets.values }, FLAGS, {
    secrets: new Set(SECRETS.map(([key]) => key)),
    secretSources: secrets.sources,
  });
  if (!validated.ok) return validated;
  // A password on the command line is visible to every user of the machine (ps).
  if (parsed.values["database-url"] !== undefined && urlHasPassword(String(parsed.values["database-url"])))
    return {
      ok: false,
      message:
        "--database-url carries a password, which every user of the machine can read on the command line: give the URL in EDGE_CONTROL_DATABASE_URL, or the password in PGPASSWORD (Bun.sql reads no ~/.pgpass)",
    };
  const artifacts = parseArtifactsLocation(validated.config.artifacts);
  if (!artifacts.ok) return { ok: false, message: artifacts.message };
  // The schema takes any text (its refusal would speak of tokens); the key's own rule is here.
  const keySource = secrets.sources.get("secretsKey");
  if (validated.config.secretsKey !== undefined && !SecretBox.fromText(validated.config.secretsKey))
    return { ok: false, message: `invalid secrets key from ${keySource}: it must be ${SECRETS_KEY_HOWTO}` };
  return {
    ok: true,
    config: validated.config,
    warnings: secrets.warnings,
    showAdminToken: parsed.values["show-admin-token"] === true,
  };
}
