// edge v1 `log`: guest lines attributed to function and request id, bounded per invocation
// so a logging flood costs the guest its lines, not the node its disk.
import { LOG_LEVELS } from "../../../core/abi/edge-v1";
import type { InvocationContext } from "../invocation-context";

export function logCalls(ctx: () => InvocationContext) {
  return {
    log(level: number, ptr: number, len: number): void {
      const c = ctx();
      const length = len >>> 0;
      const kept = Math.min(length, c.fn.limits.maxLogLineBytes);
      const text = c.memory.string(ptr, kept);
      c.memory.slice(ptr, length); // the whole range must be guest memory even when truncated
      if (c.logLines >= c.fn.limits.maxLogLines) {
        c.logDropped++;
        return;
      }
      c.logLines++;
      const name = LOG_LEVELS[Math.min(Math.max(level | 0, 0), 3)];
      c.logger.log(name, text, {
        source: "guest",
        function: c.fn.name,
        request_id: c.requestId,
        ...(kept < length ? { truncated_bytes: length - kept } : {}),
      });
    },
  };
}
