// Build (when asked, or when the module is missing or older than its sources), then check the
// module: the step that `edge build`, `edge deploy` and `edge dev` share.
import { existsSync, readFileSync } from "node:fs";
import { Failure } from "../output/errors";
import type { LoadedManifest } from "../manifest/load-manifest";
import { checkModule, type ModuleReport } from "./check-module";
import { runBuild, type BuildRun } from "./run-build";
import { staleReason } from "./sources";
import { shownPath } from "../output/paths";

export interface Built {
  build: BuildRun | null;
  bytes: Uint8Array;
  report: ModuleReport;
}

export async function buildAndCheck(
  loaded: LoadedManifest,
  env: Record<string, string | undefined>,
  options: { always: boolean; progress: (line: string) => void; write?: (text: string) => void },
): Promise<Built> {
  const command = loaded.manifest.build?.command;
  const stale = staleReason(loaded);
  let build: BuildRun | null = null;
  if (command && (options.always || stale)) {
    options.progress(`building ${loaded.manifest.name}: ${command}${!options.always && stale ? ` (${stale})` : ""}`);
    build = await runBuild(loaded, env, options.write);
  }
  const shown = shownPath(loaded.modulePath);
  if (!existsSync(loaded.modulePath))
    throw new Failure(
      command
        ? `${shown} does not exist after \`${command}\`: does module in edgebase.toml name what the build writes?`
        : `${shown} does not exist, and edgebase.toml has no [build] command to make it`,
      "module_missing",
    );
  const bytes = new Uint8Array(readFileSync(loaded.modulePath));
  return { build, bytes, report: checkModule(bytes, loaded.manifest) };
}
