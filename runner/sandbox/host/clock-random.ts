// edge v1 `time_now_ms` and `random_fill`.
import type { InvocationContext } from "../invocation-context";

/** crypto.getRandomValues refuses more than 65536 bytes at once. */
const RANDOM_CHUNK = 65536;

export function clockRandomCalls(ctx: () => InvocationContext) {
  return {
    time_now_ms(): number {
      return Date.now();
    },
    random_fill(buf: number, len: number): void {
      const target = ctx().memory.slice(buf, len);
      for (let off = 0; off < target.byteLength; off += RANDOM_CHUNK) {
        crypto.getRandomValues(target.subarray(off, Math.min(off + RANDOM_CHUNK, target.byteLength)));
      }
    },
  };
}
