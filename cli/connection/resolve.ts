// Which control plane a command talks to, and with which token: flags > environment > the
// config file `edge login` wrote. The config file's token is sent only to the URL it was saved
// for, so `--control-plane` pointing elsewhere never receives it. The token is never printed:
// messages name where it came from, not what it is; it is never taken from argv (ps shows argv to
// every user): --token is refused, like the other programs' (tests/ops/token-flags.test.ts).
import { TOKEN_BOUNDS } from "../../core/config/load-config";
import { resolveSecret } from "../../core/lifecycle/secret-file";
import { Failure, UsageError } from "../output/errors";
import { readUserConfig, userConfigPath } from "./user-config";

export interface Connection {
  url: string;
  token: string;
  /** Where the token came from ("--token-file /x", "EDGEBASE_TOKEN", the config file's path). */
  tokenSource: string;
}

/** The token: --token-file or the environment; --token is parsed only to be refused (core/lifecycle/secret-file.ts). */
export const TOKEN_SETTING = { flag: "token", env: "EDGEBASE_TOKEN" } as const;

export const CONNECTION_FLAGS = {
  "control-plane": { type: "string" },
  "token-file": { type: "string" },
  token: { type: "string" },
} as const;

export const CONNECTION_HELP = `  --control-plane URL   the control plane (else EDGEBASE_URL, else edge login's config file)
  --token-file FILE     a file holding the token (else EDGEBASE_TOKEN_FILE or EDGEBASE_TOKEN, else edge login's);
                        never the token itself in argv, which ps shows to every user (--token is refused)`;

/** A URL's canonical text: http(s) only, no trailing slash; the usage error names `what`. */
export function normalizeUrl(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what}: "${text}" is not a URL (e.g. http://localhost:8080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${what}: ${url.protocol} is not http: or https:`);
  if (url.username || url.password) throw new UsageError(`${what}: put no credentials in the URL`);
  return url.href.replace(/\/+$/, "");
}

export function resolveConnection(
  values: Record<string, unknown>,
  env: Record<string, string | undefined>,
  warn: (text: string) => void,
): Connection {
  const configPath = userConfigPath(env);
  const saved = readUserConfig(configPath, warn);
  const flagUrl = values["control-plane"] as string | undefined;
  const urlText = flagUrl ?? (env.EDGEBASE_URL || undefined) ?? saved?.control_plane;
  if (!urlText) throw new UsageError("no control plane: pass --control-plane URL, set EDGEBASE_URL, or run edge login");
  const url = normalizeUrl(urlText, flagUrl ? "--control-plane" : env.EDGEBASE_URL ? "EDGEBASE_URL" : configPath);
  const found = findToken(values, env, saved, url, configPath, warn);
  if (!found)
    throw new UsageError(
      `no token for ${url}: pass --token-file FILE, set EDGEBASE_TOKEN (or EDGEBASE_TOKEN_FILE), or run edge login`,
    );
  checkToken(found.token, found.source);
  return { url, token: found.token, tokenSource: found.source };
}

function findToken(
  values: Record<string, unknown>,
  env: Record<string, string | undefined>,
  saved: { control_plane: string; token: string } | null,
  url: string,
  configPath: string,
  warn: (text: string) => void,
): { token: string; source: string } | null {
  const secret = resolveSecret(values, env, TOKEN_SETTING);
  if (!secret.ok) throw values.token === undefined ? new UsageError(secret.message) : new Failure(secret.message);
  if (secret.warning) warn(secret.warning);
  if (secret.value !== undefined) return { token: secret.value, source: secret.source ?? "EDGEBASE_TOKEN" };
  if (saved && sameUrl(saved.control_plane, url)) return { token: saved.token, source: configPath };
  return null;
}

function sameUrl(a: string, b: string): boolean {
  try {
    return normalizeUrl(a, "") === b;
  } catch {
    return false;
  }
}

/** The token's shape, checked before it is sent; the message names its source, never the token. */
export function checkToken(token: string, source: string): void {
  const { minLength, maxLength, pattern } = TOKEN_BOUNDS;
  if (token.length < minLength || token.length > maxLength || !new RegExp(pattern).test(token))
    throw new UsageError(
      `the token from ${source} is not a token: it must be ${minLength} to ${maxLength} printable characters without spaces`,
    );
}
