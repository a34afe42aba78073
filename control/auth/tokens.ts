// Where the admin token comes from: --token-file / EDGE_CONTROL_TOKEN(_FILE), else
// <data-dir>/admin-token, else a new random one written there with mode 0600 (and printed once,
// by main.ts; `--show-admin-token` prints it again on request).
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createSecretFile } from "../../core/lifecycle/secret-file";

const TOKEN_FILE = "admin-token";

export interface AdminToken {
  token: string;
  source: "config" | "file" | "generated";
  /** The token file, unless the token came from config. */
  path?: string;
  /** Set when the token file is readable by group or others. */
  warning?: string;
}

export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured) return { token: configured, source: "config" };
  const path = join(dataDir, TOKEN_FILE);
  const existing = await readFile(path, "utf8").then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return null;
      throw error;
    },
  );
  if (existing !== null) {
    if (existing.length < 16)
      throw new Error(`${path} holds no usable token (need at least 16 characters); delete it to generate a new one`);
    const mode = (await stat(path)).mode & 0o777;
    const warning = mode & 0o077 ? `${path} has mode ${mode.toString(8)}; run chmod 600 on it` : undefined;
    return { token: existing, source: "file", path, warning };
  }
  const token = `ebc_${randomBytes(32).toString("base64url")}`;
  await createSecretFile(path, token);
  return { token, source: "generated", path };
}

/**
 * The admin token a control plane with this configuration uses, for `--show-admin-token`:
 * the configured one, else the data dir's file. Never generates one.
 */
export async function showAdminToken(
  configured: string | undefined,
  dataDir: string,
): Promise<{ ok: true; token: string } | { ok: false; message: string }> {
  if (configured) return { ok: true, token: configured };
  const path = join(dataDir, TOKEN_FILE);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => error);
  if (text instanceof Error) {
    const code = (text as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message:
        code === "ENOENT"
          ? `no admin token yet: ${path} does not exist (the first start generates it)`
          : `cannot read ${path}: ${code ?? text.message}`,
    };
  }
  return { ok: true, token: text.trim() };
}
