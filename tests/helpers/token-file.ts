// Token files for configuration tests: written with the given contents and mode into a temp dir.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp-dir";

let dir: string | null = null;

/** A token file named `name` with `contents` and `mode` (0600 unless told). */
export function tokenFile(name: string, contents: string, mode = 0o600): string {
  dir ??= tempDir("edge-token-files-");
  const path = join(dir, name);
  writeFileSync(path, contents);
  chmodSync(path, mode);
  return path;
}
