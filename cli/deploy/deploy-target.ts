// What `edge deploy` deploys: a folder (or an edgebase.toml) built as needed, or a ready .wasm.
// A .wasm next to an edgebase.toml takes that manifest's settings; a lone one gets the defaults,
// named by --name or after the file, its runtime detected from the module.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { MANIFEST_FILE, type Manifest } from "../../core/contract/manifest";
import { NAME_PATTERN } from "../../core/contract/records";
import { buildAndCheck, type Built } from "../build/build-step";
import { checkModule } from "../build/check-module";
import { loadManifest, type LoadedManifest } from "../manifest/load-manifest";
import { Failure, UsageError } from "../output/errors";

export interface DeployTarget {
  loaded: LoadedManifest;
  /** Build when stale: false for a .wasm given by path. */
  buildable: boolean;
}

export function deployTarget(arg: string, name: string | undefined): DeployTarget {
  const isFile = arg.endsWith(".wasm") && (!existsSync(arg) || statSync(arg).isFile());
  if (!isFile) {
    const loaded = loadManifest(arg);
    if (name !== undefined && name !== loaded.manifest.name)
      throw new UsageError(`--name is for a .wasm without a manifest; ${loaded.file} names the function`);
    return { loaded, buildable: true };
  }
  const modulePath = resolve(arg);
  if (!existsSync(modulePath)) throw new Failure(`${arg} does not exist`, "module_missing");
  const dir = dirname(modulePath);
  if (existsSync(join(dir, MANIFEST_FILE))) {
    const loaded = loadManifest(dir);
    return { loaded: { ...loaded, modulePath }, buildable: false };
  }
  const chosen =
    name ??
    basename(modulePath, ".wasm")
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "");
  if (!new RegExp(NAME_PATTERN).test(chosen))
    throw new UsageError(`"${chosen}" is not a function name (a-z, 0-9 and '-'): give --name`);
  const manifest: Manifest = { name: chosen, module: basename(modulePath) };
  return { loaded: { manifest, dir, file: modulePath, modulePath }, buildable: false };
}

/** The module to upload, checked: built first when stale (a folder), or read as it is (a .wasm). */
export async function readyModule(
  target: DeployTarget,
  env: Record<string, string | undefined>,
  progress: (line: string) => void,
): Promise<Pick<Built, "bytes" | "report">> {
  if (target.buildable) return buildAndCheck(target.loaded, env, { always: false, progress });
  const bytes = new Uint8Array(readFileSync(target.loaded.modulePath));
  return { bytes, report: checkModule(bytes, target.loaded.manifest) };
}
