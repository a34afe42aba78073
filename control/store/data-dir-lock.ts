// One control plane per data dir. Two on one dir would each believe it owns it: the second's
// start empties tmp/ (deleting the first's upload in flight) and sweeps artifacts the first
// just published. So the data dir is locked at start, before anything in it is touched, and a
// second process is refused with the holder's PID.
//
// The lock is flock(2) on the directory itself, taken through bun:ffi (Bun has no flock API;
// node:fs has none either). The kernel drops it when the process dies, however it dies, so there
// is never a stale lock to clean up (a PID file alone would need a liveness guess, and PIDs are
// reused). Locking the directory, not a file in it, works on a read-only data dir too. flock
// locks belong to the open file description, so a second lock in the same process (tests start
// control planes in-process) is refused as well. The PID is written to control.pid beside it
// only to name the holder in the refusal. Local filesystems only: on NFS, flock is emulated
// with byte-range locks that need a writable descriptor.
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const PID_FILE = "control.pid";

interface Libc {
  flock(fd: number, operation: number): number;
  errno(): number;
}

/** libc's flock and errno through bun:ffi: glibc, musl, macOS. Null where none loads. */
function loadLibc(): Libc | null {
  const candidates: [string, string][] =
    process.platform === "darwin"
      ? [["libSystem.B.dylib", "__error"]]
      : [
          ["libc.so.6", "__errno_location"],
          [`libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`, "__errno_location"],
        ];
  const { dlopen, FFIType, read } = require("bun:ffi") as typeof import("bun:ffi");
  for (const [library, errnoSymbol] of candidates) {
    try {
      const libc = dlopen(library, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [errnoSymbol]: { args: [], returns: FFIType.ptr },
      });
      const errnoAt = libc.symbols[errnoSymbol] as () => number;
      return { flock: (fd, op) => libc.symbols.flock(fd, op) as number, errno: () => read.i32(errnoAt() as never, 0) };
    } catch {
      // Try the next one.
    }
  }
  return null;
}

let libc: Libc | null | undefined;

export interface DataDirLock {
  /** Lets go of the lock (stop(); the process's end does it too). */
  release(): void;
}

/** Locks `dataDir` (which must exist) or throws an Error whose message names the holder's PID. */
export function lockDataDir(dataDir: string): DataDirLock {
  libc ??= loadLibc();
  if (!libc) throw new Error(`cannot lock the data dir ${dataDir}: flock(2) is not available on this platform`);
  const fd = openSync(dataDir, "r");
  if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const errno = libc.errno();
    closeSync(fd);
    if (errno === constants.errno.EWOULDBLOCK) {
      throw new Error(
        `the data dir ${dataDir} is in use by another control plane (${holder(dataDir)}); stop it first, or give this one another --data-dir`,
      );
    }
    throw new Error(`cannot lock the data dir ${dataDir}: flock failed (errno ${errno})`);
  }
  // Best effort: a read-only data dir keeps no PID, and the refusal says so.
  try {
    writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`, { mode: 0o600 });
  } catch {
    // Nothing to do: the lock itself holds.
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      libc!.flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}

/** "PID 1234", when control.pid names a live process; the lock holder wrote it after locking. */
function holder(dataDir: string): string {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, PID_FILE), "utf8").trim());
  } catch {
    return "PID unknown: no control.pid, the data dir may be read-only";
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return "PID unknown";
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return "PID unknown: control.pid names no running process";
  }
  return `PID ${pid}`;
}
