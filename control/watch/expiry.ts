// Forgets the records of nodes gone for longer than the retention (--node-retention-s), with
// their keys, so ids that are no longer used neither fill --max-nodes nor the node list.
import type { Logger } from "../../core/observe/log";
import type { NodeStore } from "../store/node-store";

/**
 * Runs at once, then every tenth of the retention (at least every second, at most every
 * minute). A failure (a read-only data dir) is logged once until it works again.
 */
export function expireNodes(
  nodes: NodeStore,
  retentionMs: number,
  logger: Logger,
  now: () => Date = () => new Date(),
): ReturnType<typeof setInterval> {
  let failing = false;
  const run = async () => {
    try {
      const expired = await nodes.expire(new Date(now().getTime() - retentionMs));
      if (expired > 0)
        logger.log("info", "forgot nodes not seen within the retention", {
          count: expired,
          retention_s: Math.round(retentionMs / 1000),
        });
      failing = false;
    } catch (error) {
      if (!failing) logger.log("warn", "expiring old node records failed; retrying", { error: String(error) });
      failing = true;
    }
  };
  void run();
  const timer = setInterval(run, Math.min(60_000, Math.max(1_000, retentionMs / 10)));
  timer.unref?.();
  return timer;
}
