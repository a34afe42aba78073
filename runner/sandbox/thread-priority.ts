// Puts the calling thread (only it) in the background. On Linux scheduling policy and nice
// value belong to a thread: SCHED_IDLE makes a thread run only on a CPU nothing else wants,
// and lets any normal thread that wakes preempt it at once. A nice value is the fallback:
// it lowers the thread's share, but a waking thread can still wait out the running one's
// slice. Elsewhere this reports that it did nothing rather than touching the whole process.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

const SCHED_IDLE = 5;

function schedIdle(): boolean {
  if (process.platform !== "linux") return false;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", { sched_setscheduler: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
    // pid 0: the calling thread; sched_priority must be 0 for SCHED_IDLE.
    const ok = libc.symbols.sched_setscheduler(0, SCHED_IDLE, new Int32Array(1)) === 0;
    libc.close();
    return ok;
  } catch {
    return false;
  }
}

function nice(niceness: number): boolean {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}

/** Whether the thread now runs in the background: SCHED_IDLE, or else at nice 19. */
export function backgroundThread(): "idle" | "nice" | null {
  if (schedIdle()) return "idle";
  if (nice(19)) return "nice";
  return null;
}
