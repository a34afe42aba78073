// The user's CLI config file, written by `edge login`: the control plane's URL and a token for
// it, in $XDG_CONFIG_HOME/edgebase/config.json (else ~/.config/edgebase/config.json). Mode 0600
// in a 0700 folder, replaced atomically (a temp file renamed over it), never printed.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../output/errors";

export interface UserConfig {
  control_plane: string;
  token: string;
}

export function userConfigPath(env: Record<string, string | undefined>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "edgebase", "config.json");
}

/** The saved config, or null when there is none; `warn` hears about a file others may read. */
export function readUserConfig(path: string, warn: (text: string) => void): UserConfig | null {
  if (!existsSync(path)) return null;
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o022)
    throw new UsageError(`${path} is writable by group or others (mode ${mode.toString(8)}): run chmod 600 on it`);
  if (mode & 0o044) warn(`${path} is readable by group or others (mode ${mode.toString(8)}): run chmod 600 on it`);
  let data: Partial<UserConfig>;
  try {
    data = JSON.parse(readFileSync(path, "utf8")) as Partial<UserConfig>;
  } catch {
    throw new UsageError(`${path} is not valid JSON; run edge login again`);
  }
  if (typeof data.control_plane !== "string" || typeof data.token !== "string")
    throw new UsageError(`${path} lacks control_plane or token; run edge login again`);
  return { control_plane: data.control_plane, token: data.token };
}

export function writeUserConfig(path: string, config: UserConfig): void {
  const dir = join(path, "..");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
}
