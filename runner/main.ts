// `bun run runner <module.wasm> [flags]`: serve one module over HTTP.
// `bun run runner --control-plane URL --token-file F [flags]`: an edge node serving every deployed function.
// The engine options come first (they may execute the runner again, see
// lifecycle/engine-options.ts), then the configuration, and only then the rest of the runner.
// Most starts name no engine setting: those execute again before loading the configuration;
// the others load it first, to know the values.
import { execWith, missingEngineOptions, unnamedEngineSettings } from "./lifecycle/engine-options";

const argv = Bun.argv.slice(2);
const defaults = unnamedEngineSettings(argv, process.env);
const missingNow = defaults && missingEngineOptions(defaults, process.env);
// Returns only if the runner could not execute itself again: it then runs with the engine's defaults.
if (missingNow) execWith(missingNow, process.env);

const { loadConfig, USAGE } = await import("./config");
const { configOrExit } = await import("../core/config/load-config");
const loaded = configOrExit("runner", USAGE, loadConfig(argv, process.env));
// Settings a flag or variable named: known only now. (Unnamed ones were dealt with above.)
const missing = defaults ? null : missingEngineOptions(loaded.config, process.env);
if (missing) execWith(missing, process.env);
if (loaded.mode === "edge")
  for (const warning of loaded.warnings) process.stderr.write(`runner: warning: ${warning}\n`);
const { serveEdge, serveModule } = await import("./serve");
if (loaded.mode === "edge") await serveEdge(loaded.config);
else await serveModule(loaded.config);
