// `edge build [DIR]`: run the manifest's build command, then check the module with the pipeline
// the control plane checks uploads with, and print what it found (or why it refuses it).
import { buildAndCheck } from "../build/build-step";
import { describeModule } from "../build/check-module";
import { loadManifest } from "../manifest/load-manifest";
import type { Command } from "../command";
import { shownPath } from "../output/paths";

export const build: Command = {
  name: "build",
  args: "[DIR]",
  summary: "Build the function in DIR (default .) and check its module as the control plane will",
  details: `Runs [build] command from DIR's edgebase.toml (its output on stderr), then checks the module with the
runner's pipeline under the manifest's runtime, entrypoint and memory_pages, and prints its memory, imports,
entrypoint and runtime. A module the control plane would refuse exits 1 with the pipeline's code and reason.`,
  positionals: { min: 0, max: 1 },
  async run({ positionals, out, env }) {
    const loaded = loadManifest(positionals[0] ?? ".");
    const built = await buildAndCheck(loaded, env, { always: true, progress: out.progress });
    const path = shownPath(loaded.modulePath);
    out.result({ name: loaded.manifest.name, module: loaded.modulePath, build: built.build, ...built.report }, [
      ...(built.build ? [`built in ${(built.build.ms / 1000).toFixed(1)} s`] : []),
      ...describeModule(path, built.report),
    ]);
  },
};
