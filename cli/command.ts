// What a command is: its usage, its flags, and what it does. main.ts parses argv against the
// command's flags (strict: an unknown flag is a usage error), answers --help, and hands the
// rest to run(). Commands that talk to the control plane get the connection flags and connect()
// resolves them only when called, so `--help` and usage errors never need a token.
import { parseArgs } from "node:util";
import { ControlPlane } from "./api/client";
import { CONNECTION_FLAGS, CONNECTION_HELP, resolveConnection } from "./connection/resolve";
import { UsageError } from "./output/errors";
import type { Output } from "./output/output";

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** One line for --help, e.g. "--timeout S   seconds to wait (default 60)". */
  help: string;
}

export interface Context {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  out: Output;
  env: Record<string, string | undefined>;
  /** The control plane from the connection flags, environment or config file. */
  connect(): ControlPlane;
  /** True when stdin is a terminal (a person may answer a question). */
  interactive: boolean;
}

export interface Command {
  name: string;
  /** The arguments after the name, e.g. "[DIR | FILE.wasm]". */
  args: string;
  summary: string;
  /** More lines for --help. */
  details?: string;
  flags?: Record<string, FlagSpec>;
  /** Talks to the control plane: takes --control-plane, --token-file, --token. */
  remote?: boolean;
  positionals: { min: number; max: number };
  run(ctx: Context): Promise<void>;
  /**
   * A command that parses its own arguments (edge secret): gets argv after its name and returns
   * the exit code; main.ts calls it instead of parsing and run().
   */
  runRaw?(argv: string[], env: Context["env"]): Promise<number>;
}

const COMMON_HELP = `  --json                print the result as JSON on stdout (progress goes to stderr)
  -h, --help            this help`;

export function commandHelp(command: Command): string {
  const flags = Object.values(command.flags ?? {}).map((flag) => `  ${flag.help}`);
  return [
    `usage: edge ${command.name}${command.args ? ` ${command.args}` : ""} [flags]`,
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    "",
    "flags:",
    ...flags,
    ...(command.remote ? [CONNECTION_HELP] : []),
    COMMON_HELP,
  ].join("\n");
}

export type Parsed = { help: true } | { help: false; values: Context["values"]; positionals: string[] };

export function parseCommand(command: Command, argv: string[]): Parsed {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    json: { type: "boolean" },
    ...(command.remote ? CONNECTION_FLAGS : {}),
  };
  for (const [name, flag] of Object.entries(command.flags ?? {}))
    options[name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/, ""));
  }
  if (parsed.values.help) return { help: true };
  const { min, max } = command.positionals;
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`missing argument: edge ${command.name} ${command.args}`);
  if (count > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`);
  return { help: false, values: parsed.values as Context["values"], positionals: parsed.positionals };
}

export function makeContext(parsed: Extract<Parsed, { help: false }>, out: Output, env: Context["env"]): Context {
  let plane: ControlPlane | undefined;
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    out,
    env,
    interactive: process.stdin.isTTY === true,
    connect() {
      plane ??= new ControlPlane(resolveConnection(parsed.values, env, out.warn));
      return plane;
    },
  };
}

/** A flag's value as a positive number of seconds, or a usage error naming the flag. */
export function secondsFlag(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400)
    throw new UsageError(`--${flag}: expected seconds from 0 to 86400, got "${String(value)}"`);
  return seconds;
}
