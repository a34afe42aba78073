// `bun run control [flags]`: the control plane's HTTP API, Swagger UI and metrics.
// `bun run control --show-admin-token`: prints the admin token and exits.
// `bun run control migrate ...`: moves an embedded installation into PostgreSQL (migrate/).
import { showAdminToken } from "./auth/tokens";
import { loadControlConfig, USAGE } from "./config";
import { configOrExit } from "../core/config/load-config";
import { stopOnSignals } from "../core/lifecycle/stop-on-signals";
import { createLogger } from "../core/observe/log";
import { startControl } from "./start-control";

if (Bun.argv[2] === "migrate") {
  const { runMigrate } = await import("./migrate/command");
  process.exit(await runMigrate(Bun.argv.slice(3), process.env));
}

const loaded = configOrExit("control", USAGE, loadControlConfig(Bun.argv.slice(2), process.env));

if (loaded.showAdminToken) {
  const shown = await showAdminToken(loaded.config.token, loaded.config.dataDir);
  if (!shown.ok) {
    process.stderr.write(`control: ${shown.message}\n`);
    process.exit(1);
  }
  console.log(shown.token);
  process.exit(0);
}

const logger = createLogger(loaded.config.logLevel);
for (const warning of loaded.warnings) logger.log("warn", warning);
const control = await startControl(loaded.config, logger, { environment: process.env }).catch((error: Error) => {
  process.stderr.write(`control: cannot start: ${error.message}\n`);
  process.exit(1);
});

const { admin } = control;
// For the operator, on stderr: stdout holds nothing but JSON log lines (`| jq` works on it).
const say = (text: string) => process.stderr.write(`EdgeBase control plane: ${text}\n`);
// The one time a token is printed unasked: the first start, which made it. Later starts name the
// file; `--show-admin-token` prints it again on request (on stdout: it is that command's output).
if (admin.source === "generated")
  say(
    `generated admin token (shown once; saved to ${admin.path} with mode 0600; \`bun run control --show-admin-token\` prints it again):\n${admin.token}`,
  );
else if (admin.source === "file") say(`admin token from ${admin.path}`);
say(`listening on ${control.url} (data dir ${control.dataDir}; Swagger UI at ${control.url}/swagger)`);

stopOnSignals(logger, () => control.stop());
