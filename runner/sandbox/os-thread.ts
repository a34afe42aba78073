// A thread as the OS sees it (Linux; elsewhere each function reports that it could not tell):
// its id, its scheduling, the CPU it has used. On Linux scheduling policy and nice value
// belong to a thread: SCHED_IDLE makes a thread run only on a CPU nothing else wants, and lets
// any normal thread that wakes preempt it at once. A nice value is the fallback: it lowers the
// thread's share, but a waking thread can still wait out the running one's slice.
import { readFileSync, readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;
/** sched_param with sched_priority 0, the only value both policies take. */
const PARAM = new Int32Array(1);

interface Scheduling {
  setScheduler(pid: number, policy: number, param: Int32Array): number;
  /** sched_setattr has no libc wrapper before glibc 2.41: through syscall(2); null on an architecture not listed. */
  setAttr: ((pid: number, attr: Uint8Array) => number) | null;
}
let scheduling: Scheduling | null | undefined;

/** sched_setattr's system call number, by architecture. */
const SYS_SCHED_SETATTR: Partial<Record<string, number>> = { x64: 314, arm64: 274 };

/** libc's scheduling calls through bun:ffi, opened once per thread; null where there is none. */
function libcScheduling(): Scheduling | null {
  if (scheduling !== undefined) return scheduling;
  scheduling = null;
  if (process.platform !== "linux") return null;
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", {
      sched_setscheduler: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      syscall: { args: [FFIType.i64, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i64 },
    });
    const setAttrNumber = SYS_SCHED_SETATTR[process.arch];
    scheduling = {
      setScheduler: (pid, policy, param) => libc.symbols.sched_setscheduler(pid, policy, param) as number,
      setAttr:
        setAttrNumber === undefined ? null : (pid, attr) => Number(libc.symbols.syscall(setAttrNumber, pid, attr, 0)),
    };
  } catch {
    scheduling = null;
  }
  return scheduling;
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
  const libc = libcScheduling();
  // pid 0: the calling thread only.
  if (libc) return libc.setScheduler(0, on ? SCHED_IDLE : SCHED_OTHER, PARAM) === 0;
  return nice(on ? 19 : 0);
}

/** struct sched_attr, first version: size, policy, flags, nice, priority, runtime, deadline, period. */
const SCHED_ATTR_BYTES = 48;

/**
 * Asks the scheduler to run the calling thread in turns of `ns` nanoseconds (Linux 6.12+: an
 * EEVDF custom slice, 0.1-100 ms; a shorter one gets the thread on a CPU sooner when it wakes,
 * for shorter turns), or with the kernel's default slice when `ns` is 0. Keeps the thread's
 * policy (normal) and nice value. Whether the call was taken; kernels before 6.12 take it and
 * ignore the slice. Threads the caller starts afterwards inherit the slice.
 */
export function setSchedulingSlice(ns: number): boolean {
  const setAttr = libcScheduling()?.setAttr;
  const tid = currentThreadId();
  if (!setAttr || tid === 0) return false;
  let niceness: number;
  try {
    niceness = getPriority(tid);
  } catch {
    return false;
  }
  const attr = new DataView(new ArrayBuffer(SCHED_ATTR_BYTES));
  attr.setUint32(0, SCHED_ATTR_BYTES, true);
  attr.setUint32(4, SCHED_OTHER, true);
  attr.setInt32(16, niceness, true);
  attr.setBigUint64(24, BigInt(ns), true);
  // pid 0: the calling thread only.
  return setAttr(0, new Uint8Array(attr.buffer)) === 0;
}
