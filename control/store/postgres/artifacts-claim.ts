// Every control plane on one database must keep artifacts in the same place: the same bucket
// and prefix, or (files in a data dir are one replica's alone) the one replica that holds them.
// The first to start records where (a row of meta); one configured otherwise is refused at
// start, instead of answering 500 artifact_missing for every version another one uploaded.
import type { SQL } from "bun";

/** Where artifacts are, as recorded: `s3://bucket/prefix`, or `files@<replica id>`. */
export async function claimArtifacts(sql: SQL, where: string): Promise<string | null> {
  await sql`INSERT INTO meta (name, value) VALUES ('artifacts', ${where}) ON CONFLICT (name) DO NOTHING`;
  const [row] = await sql`SELECT value FROM meta WHERE name = 'artifacts'`;
  const recorded = (row as { value: string }).value;
  if (recorded === where) return null;
  const describe = (value: string) =>
    value.startsWith("files@") ? `files in the data dir of replica ${value.slice("files@".length)}` : value;
  return `this database's artifacts are kept in ${describe(recorded)}, and this control plane would keep them in ${describe(where)}: give every control plane on one database the same --artifacts s3://BUCKET[/prefix] (files in a data dir serve one replica only)`;
}
