// Wakes this replica's watch hub when another replica commits: every mutation NOTIFYs the
// channel at commit (feed.ts recordChange); the hub then reads the changes from the table by
// revision, so a notification carries nothing that could be lost. Bun.sql reconnects the
// LISTEN connection by itself and calls onlisten again, which also wakes the hub: whatever
// was committed while it was away is read then. A slow poll of the revision covers anything
// else (a notification dropped by a proxy, say): a node is never left behind for longer.
import type { SQL } from "bun";

/** How often the revision is read in case a notification never came. */
const POLL_MS = 5_000;

export interface ReplicaChanges {
  stop(): Promise<void>;
}

/** Channel names are identifiers: at most 63 bytes (not characters: a schema may be named in UTF-8). */
const CHANNEL_BYTES = 63;

/** The NOTIFY channel of the installation in the connection's schema (each schema is one installation). */
export async function changeChannel(sql: SQL): Promise<string> {
  const [row] = await sql`SELECT current_schema() AS schema`;
  let channel = "";
  for (const char of `edgebase_changes_${(row as { schema: string }).schema}`) {
    if (Buffer.byteLength(channel + char) > CHANNEL_BYTES) break;
    channel += char;
  }
  return channel;
}

export async function followReplicas(
  sql: SQL,
  channel: string,
  revision: () => Promise<number>,
  changed: () => void,
): Promise<ReplicaChanges> {
  const subscription = await sql.listen(channel, changed, changed);
  let seen = await revision().catch(() => 0);
  const poll = setInterval(() => {
    revision().then(
      (now) => {
        if (now !== seen) changed();
        seen = now;
      },
      () => {},
    );
  }, POLL_MS);
  poll.unref?.();
  return {
    async stop() {
      clearInterval(poll);
      await subscription.unlisten().catch(() => {});
    },
  };
}
