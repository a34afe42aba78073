// A thread as the OS sees it (Linux; elsewhere each function reports that it could not tell):
// its id, its scheduling, the CPU it has used. On Linux scheduling policy and nice value
// belong to a thread: SCHED_IDLE makes a thread run only on a CPU nothing else wants, and lets
// any normal thread that wakes preempt it at once. A nice value is the fallback: it lowers the
// thread's share, but a waking thread can still wait out the running one's slice.
import { readFileSync, readlinkSync } from "node:fs";
import { setPriority } from "node:os";

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
/** sched_param with sched_priority 0, the only value both policies take. */
const PARAM = new Int32Array(1);

type SetScheduler = (pid: number, policy: number, param: Int32Array) => number;
let setScheduler: SetScheduler | null | undefined;

/** libc's sched_setscheduler through bun:ffi, opened once per thread; null where there is none. */
function scheduler(): SetScheduler | null {
  if (setScheduler !== undefined) return setScheduler;
  setScheduler = null;
  if (process.platform !== "linux") return null;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", { sched_setscheduler: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
    setScheduler = (pid, policy, param) => libc.symbols.sched_setscheduler(pid, policy, param) as number;
  } catch {
    setScheduler = null;
  }
  return setScheduler;
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
    const ms = (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10;
    return Number.isFinite(ms) ? ms : null;
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

/**
 * Puts the calling thread in the background (SCHED_IDLE, else nice 19) or back. Whether it
 * worked: leaving the background needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice 0, so
 * an unprivileged thread put there stays there.
 */
export function setBackground(on: boolean): boolean {
  const set = scheduler();
  // pid 0: the calling thread only.
  if (set) return set(0, on ? SCHED_IDLE : SCHED_OTHER, PARAM) === 0;
  return nice(on ? 19 : 0);
}
