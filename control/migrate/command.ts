// `bun run control migrate ...`: flags > env, like the control plane's own (control/config.ts):
// --from (the embedded installation's data dir), --database-url or EDGE_CONTROL_DATABASE_URL,
// --artifacts or EDGE_CONTROL_ARTIFACTS. Prints one JSON report on stdout; exit 1 when anything
// was left behind (and why, on stderr).
import { resolve } from "node:path";
import { parseFlags } from "../../core/config/load-config";
import { createLogger } from "../../core/observe/log";
import { urlHasPassword } from "../store/postgres/database";
import { migrate } from "./migrate";
import { openArtifactTarget } from "./artifact-target";

export const MIGRATE_USAGE = `usage: bun run control migrate --from DATA_DIR --database-url postgres://user@host:5432/db [--artifacts s3://BUCKET[/prefix]]
Copies the functions, versions, secrets (still sealed) and node records of an embedded control plane
(SQLite + files in DATA_DIR, which must be stopped) into PostgreSQL, and its artifacts into the bucket,
checking every artifact's SHA-256. Without --artifacts the files stay in DATA_DIR: start the control
plane with --data-dir DATA_DIR --database-url .... Safe to run again: what is there is kept.
--database-url and --artifacts also read EDGE_CONTROL_DATABASE_URL and EDGE_CONTROL_ARTIFACTS; S3
credentials come from S3_* or AWS_* variables.`;

export async function runMigrate(argv: string[], environment: Record<string, string | undefined>): Promise<number> {
  const parsed = parseFlags(argv, { strings: ["from", "database-url", "artifacts", "log-level"] });
  if (parsed.ok === "help" || parsed.ok === "version") {
    console.log(MIGRATE_USAGE);
    return 0;
  }
  const fail = (message: string) => (process.stderr.write(`control migrate: ${message}\n`), 1);
  if (parsed.ok !== true) return fail(`${parsed.message} (see --help)`);
  const values = parsed.values as Record<string, string | undefined>;
  const from = values.from;
  const databaseUrl = values["database-url"] ?? environment.EDGE_CONTROL_DATABASE_URL;
  const artifacts = values.artifacts ?? environment.EDGE_CONTROL_ARTIFACTS;
  if (!from) return fail("--from DATA_DIR is required: the data dir of the embedded control plane");
  if (!databaseUrl) return fail("--database-url (or EDGE_CONTROL_DATABASE_URL) is required");
  if (values["database-url"] && urlHasPassword(values["database-url"]))
    return fail(
      "--database-url carries a password, visible to every user on the command line: use EDGE_CONTROL_DATABASE_URL",
    );
  const logger = createLogger((values["log-level"] as "info" | undefined) ?? "info");
  try {
    const target = await openArtifactTarget(artifacts || undefined, resolve(from), environment);
    const report = await migrate(resolve(from), databaseUrl, target?.store ?? null, logger, target?.where);
    console.log(JSON.stringify(report));
    for (const problem of report.problems) process.stderr.write(`control migrate: ${problem}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } catch (error) {
    return fail((error as Error).message);
  }
}
