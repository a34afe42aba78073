// The HTTP thread's place in the scheduler. On a busy node it shares the cores with the workers
// and, where the load comes from the same machine, with the clients; every request in flight
// waits while it waits for a CPU. A short EEVDF slice (Linux 6.12+) gives it shorter turns that
// come sooner. Measured on 2 cores, runner under wrk -t2 -c64 (hello-world): with 100 µs
// against the kernel's 1.4 ms, p99 was lower in 7 of 8 alternating pairs with the slice set
// from outside (by 0.3 ms at the median), and with this code (`bun bench/ab.ts`, 8 rounds) p99
// 2.54 against 2.71 ms (median of rounds; lower in 5 of 8) at 1.04x the req/s. Given to the
// workers as well it did not help (p99 2.50-2.96 ms in 3 rounds), so they reset theirs
// (worker.ts): threads started after this call inherit it.
import type { Logger } from "../../core/observe/log";
import { setSchedulingSlice } from "../sandbox/os-thread";

/** Sets the calling (HTTP) thread's slice; 0 leaves the kernel's default alone. */
export function scheduleHttpThread(sliceUs: number, logger: Logger): void {
  if (sliceUs === 0) return;
  if (!setSchedulingSlice(sliceUs * 1000)) logger.log("info", "could not set the HTTP thread's scheduling slice; it keeps the kernel's default", { slice_us: sliceUs });
}
