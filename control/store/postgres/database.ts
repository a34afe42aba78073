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

/** The URL as it may be shown: without its password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable database URL)";
  }
}
