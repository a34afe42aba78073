// Finds a PostgreSQL for a test run, or starts a throwaway one: EDGE_TEST_DATABASE_URL when set,
// else one answering on 127.0.0.1:5432 (our machines run one), else a new cluster made with
// Debian's initdb/pg_ctl in a temp dir on a free port (as the postgres user when run as root:
// PostgreSQL refuses to run as root), stopped and removed after the run. Null when none can be had.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { chown } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answers, LOCAL_POSTGRES } from "./postgres";

export interface FoundPostgres {
  url: string;
  /** Where it came from, for the run's log. */
  how: string;
  stop(): Promise<void>;
}

const nothing = async () => {};

export async function findOrStartPostgres(environment = process.env): Promise<FoundPostgres | null> {
  const given = environment.EDGE_TEST_DATABASE_URL;
  if (given) return { url: given, how: "EDGE_TEST_DATABASE_URL", stop: nothing };
  if (await answers(LOCAL_POSTGRES)) return { url: LOCAL_POSTGRES, how: "the one on 127.0.0.1:5432", stop: nothing };
  return startCluster();
}

function postgresBin(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions)
    if (existsSync(join(root, version, "bin", "initdb"))) return join(root, version, "bin");
  return null;
}

async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

async function startCluster(): Promise<FoundPostgres | null> {
  const bin = postgresBin();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), "edge-pg-"));
  const root = process.getuid?.() === 0;
  // As root the cluster belongs to the postgres user the Debian package made.
  const as = (argv: string[]) => (root ? ["runuser", "-u", "postgres", "--", ...argv] : argv);
  if (root) await chown(dir, Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString()), 0);
  const data = join(dir, "data");
  const init = Bun.spawnSync(as([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]));
  if (init.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = Bun.spawnSync(
    as([join(bin, "pg_ctl"), "-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]),
  );
  if (start.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    how: `a throwaway cluster (${bin}) on 127.0.0.1:${port}`,
    async stop() {
      Bun.spawnSync(as([join(bin, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
