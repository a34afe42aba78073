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
      fillRandom(c.memory.slice(buf, len), c.deadline, "random_fill");
    },
  };
}

/**
 * Fills `target` from the host's cryptographic source (edge ABI random_fill, WASI random_get).
 * Filling a GiB takes about a second of the host: the deadline still ends it.
 */
export function fillRandom(target: Uint8Array, deadline: number, call: string): void {
  for (let off = 0; off < target.byteLength; off += RANDOM_CHUNK) {
    if ((off & 0xfffff) === 0 && off > 0 && Date.now() >= deadline)
      throw new GuestFault("timeout", `deadline reached in ${call}`);
    crypto.getRandomValues(target.subarray(off, Math.min(off + RANDOM_CHUNK, target.byteLength)));
  }
}
