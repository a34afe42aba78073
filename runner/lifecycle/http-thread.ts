// The HTTP thread's place in the scheduler. On a busy node it shares the cores with the workers
// and, where the load comes from the same machine, with the clients; every request in flight
// waits while it waits for a CPU. A short EEVDF slice (Linux 6.12+) gives it shorter turns that
// come sooner, which lowers the p99 of a busy node (docs/performance.md, "The HTTP thread's
// slice"). Given to the workers as well it did not help, so they reset theirs
// (worker.ts): threads started after this call inherit it.
import type { Logger } from "../../core/observe/log";
import { setSchedulingSlice } from "../sandbox/os-thread";

/** Sets the calling (HTTP) thread's slice; 0 leaves the kernel's default alone. */
export function scheduleHttpThread(sliceUs: number, logger: Logger): void {
  if (sliceUs === 0) return;
  if (!setSchedulingSlice(sliceUs * 1000))
    logger.log("info", "could not set the HTTP thread's scheduling slice; it keeps the kernel's default", {
      slice_us: sliceUs,
    });
}
