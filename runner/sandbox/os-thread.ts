// A thread as the OS sees it (Linux; elsewhere each function reports that it could not tell):
// its id, its scheduling, the CPU it has used. On Linux scheduling policy and nice value
// belong to a thread: SCHED_IDLE makes a thread run only on a CPU nothing else wants, and lets
// any normal thread that wakes preempt it at once. A nice value is the fallback: it lowers the
// thread's share, but a waking thread can still wait out the running one's slice.
import { readFileSync, readlinkSync } from "node:fs";
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

/** The calling thread's id (what /proc/self/task lists), or 0. */
export function currentThreadId(): number {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) thread `tid` of this process has used, in ms; null if unknown. */
export function threadCpuMs(tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces and parentheses: utime and stime
    // are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10;
  } catch {
    return null;
  }
}

function nice(niceness: number): boolean {
  const tid = currentThreadId();
  if (tid === 0) return false;
  try {
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
