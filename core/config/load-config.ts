// The machinery of both programs' configuration: flags > environment > defaults, validated
// against the program's TypeBox schema, refused with one line naming the flag. Each program
// keeps its own schema, flag table and usage text (runner/config.ts, control/config.ts).
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { resolveSecret, type SecretSetting } from "../lifecycle/secret-file";
import { versionText } from "./version";

/** What a token (a secret setting) must be; the message for one that is not never shows it. */
export const TOKEN_BOUNDS = { minLength: 16, maxLength: 512, pattern: "^[\\x21-\\x7e]+$" } as const;
const TOKEN_RULE = "it must be 16 to 512 printable characters without spaces";

/** Flag name -> [config key, environment variable]. */
export type FlagTable<K extends string = string> = Record<string, readonly [K, string]>;

export type Refused = { ok: false; message: string };
/** --help or --version: print, exit 0, start nothing. */
export type Informational = { ok: "help" } | { ok: "version" };

export interface ParsedFlags {
  ok: true;
  values: Record<string, unknown>;
  positionals: string[];
}

export interface FlagSpec {
  /** Flags that take a string. */
  strings: readonly string[];
  /** Secrets: `--<flag>-file` is read, `--<flag>` parsed only to be refused (see secret-file.ts). */
  secrets?: readonly SecretSetting[];
  /** Other options (booleans, repeated flags); --help / -h and --version are always there. */
  extra?: ParseArgsOptionsConfig;
  positionals?: boolean;
}

/** argv -> flag values, or parseArgs' message; `{ ok: "help" }` for --help, `{ ok: "version" }` for --version. */
export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags | Refused | Informational {
  const strings = [...spec.strings, ...(spec.secrets ?? []).flatMap(({ flag }) => [flag, `${flag}-file`])];
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: spec.positionals ?? false,
      strict: true,
      options: {
        ...Object.fromEntries(strings.map((flag) => [flag, { type: "string" as const }])),
        ...spec.extra,
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
      },
    });
    if (values.help) return { ok: "help" };
    if (values.version) return { ok: "version" };
    return { ok: true, values, positionals };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

export interface CollectOptions {
  /** Config keys whose text is an integer: "12" (or "-1") becomes a number, anything else stays text for the schema to refuse. */
  numeric: ReadonlySet<string>;
  /** An empty flag or variable counts as unset (the control plane) rather than as an empty value (the runner). */
  emptyIsUnset?: boolean;
}

/** Each flag's value, else its environment variable's, by config key; unset ones left out. */
export function collectFlags(
  values: Record<string, unknown>,
  environment: Record<string, string | undefined>,
  flags: FlagTable,
  options: CollectOptions,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [flag, [key, envVar]] of Object.entries(flags)) {
    const text = values[flag] ?? environment[envVar];
    if (text === undefined || (options.emptyIsUnset && text === "")) continue;
    raw[key] = options.numeric.has(key) ? toNumber(String(text)) : text;
  }
  return raw;
}

function toNumber(text: string): number | string {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

export interface SecretValues {
  ok: true;
  /** Config key -> value, for the secrets that are set. */
  values: Record<string, string>;
  /** Config key -> where its value came from ("--token-file /run/t", "EDGE_RUNNER_TOKEN"), for messages. */
  sources: Map<string, string>;
  warnings: string[];
}

/** Every secret by config key, from its file flag or its variables; the first refusal if any. */
export function readSecrets(
  values: Record<string, unknown>,
  environment: Record<string, string | undefined>,
  secrets: readonly (readonly [string, SecretSetting])[],
): SecretValues | Refused {
  const found: SecretValues = { ok: true, values: {}, sources: new Map(), warnings: [] };
  for (const [key, setting] of secrets) {
    const secret = resolveSecret(values, environment, setting);
    if (!secret.ok) return secret;
    if (secret.value !== undefined) found.values[key] = secret.value;
    if (secret.source) found.sources.set(key, secret.source);
    if (secret.warning) found.warnings.push(secret.warning);
  }
  return found;
}

export interface ValidateOptions {
  /** Names a setting that has no flag, from a schema error's path (default: the key). */
  describe?: (path: string, key: string) => string | undefined;
  /** Keys that hold secrets: an invalid one is reported by where it came from, never by its value. */
  secrets?: ReadonlySet<string>;
  secretSources?: ReadonlyMap<string, string>;
}

/** The schema's defaults applied, then its first error as "invalid --flag: reason". */
export function validateConfig<S extends TSchema>(
  schema: S,
  raw: Record<string, unknown>,
  flags: FlagTable,
  options: ValidateOptions = {},
): { ok: true; config: Static<S> } | Refused {
  const config = Value.Default(schema, raw);
  const first = Value.Errors(schema, config).First();
  if (!first) return { ok: true, config: config as Static<S> };
  const key = first.path.replace(/^\//, "").split("/")[0]!;
  // Never echo a secret back: it may be a real one with a typo.
  if (options.secrets?.has(key))
    return {
      ok: false,
      message: `invalid token from ${options.secretSources?.get(key) ?? "the configuration"}: ${TOKEN_RULE}`,
    };
  const flag = Object.entries(flags).find(([, [k]]) => k === key)?.[0];
  const name = flag ? `--${flag}` : (options.describe?.(first.path, key) ?? (key || "config"));
  return { ok: false, message: `invalid ${name}: ${first.message}` };
}

/**
 * For main.ts: prints the usage (--help) or the version (--version) on stdout and exits 0, prints
 * the refusal on stderr and exits 1, else the config.
 */
export function configOrExit<T extends { ok: true }>(
  program: string,
  usage: string,
  loaded: T | Refused | Informational,
): T {
  if (loaded.ok === "help" || loaded.ok === "version") {
    process.stdout.write(`${loaded.ok === "help" ? usage : versionText(program)}\n`);
    process.exit(0);
  }
  if (loaded.ok === false) {
    process.stderr.write(`${program}: ${(loaded as Refused).message} (see --help)\n`);
    process.exit(1);
  }
  return loaded as T;
}
