// Reads a token from a file (--token-file and friends), so a secret never has to sit on a
// command line, where `ps` shows it to every user and `bun run` echoes it. Shared by the
// runner's and the control plane's configuration.
//
// The file's mode: writable by group or others is refused (whoever can write it picks the
// token); readable by them starts with a warning, not a refusal, since secret mounts commonly
// default to 0644 (Kubernetes) or 0444 (Docker) and refusing those would only push the token
// back onto the command line. Trailing line breaks are dropped (`echo TOKEN > file` adds one).
// And writes the secrets the programs make themselves (createSecretFile).
import { readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";

/** A token file holds one token; anything this big is the wrong file. */
const MAX_FILE_BYTES = 4096;

export type SecretFileResult = { ok: true; value: string; warning?: string } | { ok: false; message: string };

/** `what` names the setting in messages (e.g. "--token-file"); the file's contents never appear in one. */
function readSecretFile(path: string, what: string): SecretFileResult {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    return { ok: false, message: `${what} ${path}: ${describe(error)}` };
  }
  if (!stats.isFile()) return { ok: false, message: `${what} ${path}: not a regular file` };
  const mode = stats.mode & 0o777;
  const octal = mode.toString(8).padStart(3, "0");
  if (mode & 0o022)
    return {
      ok: false,
      message: `${what} ${path}: writable by group or others (mode ${octal}), so anyone who can write it chooses the token; run chmod 600 on it`,
    };
  if (stats.size > MAX_FILE_BYTES)
    return { ok: false, message: `${what} ${path}: ${stats.size} bytes; a token file holds one token` };
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, message: `${what} ${path}: ${describe(error)}` };
  }
  const value = text.replace(/[\r\n]+$/, "");
  if (value === "") return { ok: false, message: `${what} ${path}: the file is empty` };
  const warning =
    mode & 0o044 ? `${what} ${path} is readable by group or others (mode ${octal}); run chmod 600 on it` : undefined;
  return { ok: true, value, warning };
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "not a regular file";
  return code ?? "cannot be read";
}

/** Where a secret setting may come from: `--<flag>-file`, then `<env>_FILE` or `<env>`; never `--<flag>` itself. */
export interface SecretSetting {
  /** e.g. "token": --token is refused, --token-file read. */
  flag: string;
  /** e.g. "EDGE_RUNNER_TOKEN": the value itself; EDGE_RUNNER_TOKEN_FILE: a file holding it. */
  env: string;
}

/** `source` says where the value came from, for messages ("--token-file /run/t", "EDGE_RUNNER_TOKEN"). */
export type SecretResult =
  | { ok: true; value?: string; source?: string; warning?: string }
  | { ok: false; message: string };

/** Flags > environment; undefined value when none is set. `values` are the parsed flags. */
export function resolveSecret(
  values: Record<string, unknown>,
  environment: Record<string, string | undefined>,
  { flag, env }: SecretSetting,
): SecretResult {
  if (values[flag] !== undefined) {
    return {
      ok: false,
      message: `--${flag} is not accepted: a secret on the command line shows in ps and in bun run's echo of the command; put it in a file and pass --${flag}-file FILE, or set ${env} (or ${env}_FILE) in the environment`,
    };
  }
  const flagFile = values[`${flag}-file`];
  if (typeof flagFile === "string") return fromFile(flagFile, `--${flag}-file`);
  const envFile = environment[`${env}_FILE`] || undefined;
  const envValue = environment[env] || undefined;
  if (envFile !== undefined && envValue !== undefined)
    return { ok: false, message: `set ${env} or ${env}_FILE, not both` };
  if (envFile !== undefined) return fromFile(envFile, `${env}_FILE`);
  return { ok: true, value: envValue, source: envValue === undefined ? undefined : env };
}

function fromFile(path: string, what: string): SecretResult {
  const read = readSecretFile(path, what);
  return read.ok ? { ...read, source: `${what} ${path}` } : read;
}

/**
 * Writes a secret a program made itself (the control plane's admin token, a node's key) to a new
 * file, mode 0600, synced. "wx": fails with EEXIST rather than overwrite one another process
 * has just written.
 */
export async function createSecretFile(path: string, secret: string): Promise<void> {
  const file = await open(path, "wx", 0o600);
  try {
    await file.writeFile(`${secret}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
}
