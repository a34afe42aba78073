// edge v1 `time_now_ms` and `random_fill`.
import { GuestFault } from "../guest-fault";
import type { InvocationContext } from "../invocation-context";

/** crypto.getRandomValues refuses more than 65536 bytes at once. */
const RANDOM_CHUNK = 65536;

export function clockRandomCalls(ctx: () => InvocationContext) {
  return {
    time_now_ms(): number {
      return Date.now();
    },
    random_fill(buf: number, len: number): void {
      const c = ctx();
      const target = c.memory.slice(buf, len);
      for (let off = 0; off < target.byteLength; off += RANDOM_CHUNK) {
        // Filling a GiB takes about a second of the host: the deadline still ends it.
        if ((off & 0xfffff) === 0 && off > 0 && Date.now() >= c.deadline)
          throw new GuestFault("timeout", "deadline reached in random_fill");
        crypto.getRandomValues(target.subarray(off, Math.min(off + RANDOM_CHUNK, target.byteLength)));
      }
    },
  };
}
