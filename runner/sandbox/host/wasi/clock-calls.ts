// clock_*, poll_oneoff (clock subscriptions only: a sleep), sched_yield and random_get. Clocks
// read to the microsecond, no finer (a coarse clock is one less timing side channel between
// tenants). The monotonic and CPU-time clocks count from the invocation's first WASI call. A sleep counts
// against the invocation's deadline: one past it ends the invocation at the deadline.
import { ERRNO } from "../../../../core/abi/wasi-preview1";
import type { InvocationContext } from "../../invocation-context";
import { fillRandom } from "../clock-random";
import { wasiState } from "./wasi-context";

const REALTIME = 0;
const MONOTONIC = 1;
const PROCESS_CPUTIME = 2;
const THREAD_CPUTIME = 3;
const RESOLUTION_NS = 1000n;
const EVENT_CLOCK = 0;
const EVENT_FD_READ = 1;
const EVENT_FD_WRITE = 2;
const ABSTIME = 1;
const SUBSCRIPTION_BYTES = 48;
const EVENT_BYTES = 32;
/** Most subscriptions one poll may pass: the host's loop over them is not interruptible. */
export const MAX_SUBSCRIPTIONS = 1024;

const micros = (ns: bigint): bigint => (ns / RESOLUTION_NS) * RESOLUTION_NS;

/** Now on `clock`, in ns; null for an unknown clock. */
function now(ctx: InvocationContext, clock: number): bigint | null {
  switch (clock) {
    case REALTIME:
      return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * RESOLUTION_NS;
    // Monotonic time counts from the request's first WASI call, as the CPU-time clocks do: each
    // request is a run of the program, and the worker's uptime is nobody's business.
    case MONOTONIC:
    case PROCESS_CPUTIME:
    case THREAD_CPUTIME:
      return micros(process.hrtime.bigint() - wasiState(ctx).startedNs);
    default:
      return null;
  }
}

/** `sleep(ms)`: blocks the worker for ms, or throws at the invocation's deadline or cancel. */
export function clockCalls(ctx: () => InvocationContext, sleep: (ms: number) => void) {
  return {
    clock_res_get(clock: number, out: number): number {
      const c = ctx();
      const { memory } = wasiState(c);
      memory.slice(out, 8);
      if (now(c, clock) === null) return ERRNO.inval;
      memory.setU64(out, RESOLUTION_NS);
      return ERRNO.success;
    },
    clock_time_get(clock: number, _precision: bigint, out: number): number {
      const c = ctx();
      const { memory } = wasiState(c);
      memory.slice(out, 8);
      const time = now(c, clock);
      if (time === null) return ERRNO.inval;
      memory.setU64(out, time);
      return ERRNO.success;
    },
    poll_oneoff(subscriptions: number, events: number, count: number, eventsOut: number): number {
      const c = ctx();
      const { memory } = wasiState(c);
      const n = count >>> 0;
      if (n === 0 || n > MAX_SUBSCRIPTIONS) return ERRNO.inval;
      memory.slice(subscriptions, n * SUBSCRIPTION_BYTES);
      memory.slice(events, n * EVENT_BYTES);
      memory.slice(eventsOut, 4);
      // Ready at once: fd subscriptions (not supported) and clocks that are bad or already due.
      const ready: { at: number; type: number; errno: number }[] = [];
      let wake = Infinity;
      const clocks: { at: number; dueMs: number }[] = [];
      for (let i = 0; i < n; i++) {
        const at = subscriptions + i * SUBSCRIPTION_BYTES;
        const type = memory.u8(at + 8);
        if (type === EVENT_FD_READ || type === EVENT_FD_WRITE) {
          ready.push({ at, type, errno: ERRNO.notsup });
          continue;
        }
        if (type !== EVENT_CLOCK) return ERRNO.inval;
        const clock = memory.u32(at + 16);
        const timeout = memory.u64(at + 24);
        const flags = memory.u16(at + 40);
        const current = now(c, clock);
        if (current === null || clock >= PROCESS_CPUTIME) {
          ready.push({ at, type, errno: ERRNO.inval });
          continue;
        }
        const waitNs = flags & ABSTIME ? timeout - current : timeout;
        const dueMs = waitNs <= 0n ? 0 : Number(waitNs) / 1e6;
        clocks.push({ at, dueMs });
        wake = Math.min(wake, dueMs);
      }
      if (ready.length === 0) {
        if (wake > 0) sleep(wake);
        for (const clock of clocks) if (clock.dueMs <= wake) ready.push({ at: clock.at, type: EVENT_CLOCK, errno: 0 });
      }
      ready.forEach((event, i) => {
        const out = events + i * EVENT_BYTES;
        memory.slice(out, EVENT_BYTES).fill(0);
        memory.setU64(out, memory.u64(event.at)); // userdata
        memory.setU16(out + 8, event.errno);
        memory.setU8(out + 10, event.type);
      });
      memory.setU32(eventsOut, ready.length);
      return ERRNO.success;
    },
    sched_yield(): number {
      return ERRNO.success;
    },
    random_get(buf: number, len: number): number {
      const c = ctx();
      fillRandom(wasiState(c).memory.slice(buf, len), c.deadline, "random_get");
      return ERRNO.success;
    },
  };
}
