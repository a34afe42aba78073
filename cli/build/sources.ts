// A function's sources: the files its manifest's [build] watch globs match. Deploy rebuilds
// when one is newer than the module; dev rebuilds when their fingerprint changes.
import { statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { Glob } from "bun";
import type { LoadedManifest } from "../manifest/load-manifest";

export interface SourceFile {
  path: string;
  mtimeMs: number;
  size: number;
}

/** Every file the watch globs match, but the module itself (a build must not trigger the next). */
export function sourceFiles(loaded: LoadedManifest): SourceFile[] {
  const seen = new Map<string, SourceFile>();
  for (const pattern of loaded.manifest.build?.watch ?? []) {
    for (const path of new Glob(pattern).scanSync({ cwd: loaded.dir, onlyFiles: true, followSymlinks: false })) {
      const full = resolve(loaded.dir, path);
      if (full === loaded.modulePath || seen.has(full)) continue;
      try {
        const stats = statSync(full);
        seen.set(full, { path: full, mtimeMs: stats.mtimeMs, size: stats.size });
      } catch {
        // Removed between the scan and the stat: it is no source now.
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Changes whenever a source is added, removed, or written (time or size). */
export function fingerprint(loaded: LoadedManifest): string {
  return sourceFiles(loaded)
    .map((file) => `${relative(loaded.dir, file.path)}:${file.mtimeMs}:${file.size}`)
    .join("\n");
}

/** Why the module needs building, or null: missing, or older than a source. */
export function staleReason(loaded: LoadedManifest): string | null {
  let moduleMtime: number;
  try {
    moduleMtime = statSync(loaded.modulePath).mtimeMs;
  } catch {
    return `${relative(loaded.dir, loaded.modulePath)} does not exist`;
  }
  const newer = sourceFiles(loaded).find((file) => file.mtimeMs > moduleMtime);
  return newer ? `${relative(loaded.dir, newer.path)} is newer than ${loaded.manifest.module}` : null;
}

export const manifestPath = (loaded: LoadedManifest) => join(loaded.dir, "edgebase.toml");
