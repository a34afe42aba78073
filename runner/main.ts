// `bun run runner <module.wasm> [flags]`: serve one module over HTTP.
// `bun run runner --control-plane URL --token T [flags]`: an edge node serving every deployed function.
// The configuration comes first, then the engine options (which may execute the runner again,
// see lifecycle/engine-options.ts), and only then the rest of the runner is loaded.
import { loadConfig, USAGE } from "./config";
import { execWith, missingEngineOptions } from "./lifecycle/engine-options";

const loaded = loadConfig(Bun.argv.slice(2), process.env);
if (loaded.ok === "help") {
  console.log(USAGE);
  process.exit(0);
}
if (!loaded.ok) {
  process.stderr.write(`runner: ${loaded.message} (see --help)\n`);
  process.exit(1);
}
const missing = missingEngineOptions(loaded.config, process.env);
// Returns only if the runner could not execute itself again: it then runs with the engine's defaults.
if (missing) execWith(missing, process.env);
const { serveEdge, serveModule } = await import("./serve");
if (loaded.mode === "edge") await serveEdge(loaded.config);
else serveModule(loaded.config);
