// One PostgreSQL connection pool per control plane (Bun.sql), migrated at open. The URL comes
// from --database-url or EDGE_CONTROL_DATABASE_URL only, never DATABASE_URL, and is never logged
// with its password (redactUrl).
import { SQL } from "bun";
import { migrate } from "./schema";

export interface PgOptions {
  url: string;
  /** Connections in the pool. */
  max?: number;
}

/** Opens the pool and brings the schema up to date; throws with the reason (unreachable, schema too new). */
export async function openDatabase({ url, max = 10 }: PgOptions): Promise<SQL> {
  const sql = new SQL({ url, max, idleTimeout: 60, connectionTimeout: 10 });
  try {
    await migrate(sql);
    return sql;
  } catch (error) {
    await sql.close().catch(() => {});
    throw error;
  }
}

/** Query parameters that carry a password: Bun.sql takes `?password=` as libpq does. */
const PASSWORD_PARAM = /password/i;

/** The URL as it may be shown: without its password, in the user part or the query. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const name of [...parsed.searchParams.keys()])
      if (PASSWORD_PARAM.test(name)) parsed.searchParams.set(name, "***");
    return parsed.toString();
  } catch {
    return "(unparsable database URL)";
  }
}

/** Whether the URL carries a password (user:password@ or ?password=): then it must not be on argv. */
export function urlHasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== "" || [...parsed.searchParams.keys()].some((name) => PASSWORD_PARAM.test(name));
  } catch {
    return false;
  }
}
