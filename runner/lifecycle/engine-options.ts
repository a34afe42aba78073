// JavaScriptCore reads its options (BUN_JSC_*) from the environment once, when the process
// starts; there is no API to change them later. The runner wants one set differently from
// Bun's default, so when it is missing it executes itself again: same PID, same arguments and
// open files, the option added to the environment (execve, through bun:ffi, on Linux).
//
// The option: numberOfGCMarkers, the threads a collection marks with (default: one per core).
// On a node the HTTP thread and the workers keep the cores busy, and a collection on the HTTP
// thread then waits for helper threads that wait for a CPU: its pauses stretch to 3-4 ms, and
// every request in flight waits with them. Measured on 2 cores under wrk -c64 (hello-world,
// 3 alternating pairs): p99 3.3-3.5 ms with the default, 2.1-2.6 ms with one marker, req/s
// unchanged. perf sched showed the HTTP thread asleep up to 3.3 ms waiting on the helpers with
// the default, never over 0.9 ms with one marker.
const GC_MARKERS = "BUN_JSC_numberOfGCMarkers";

/** What to add to the environment for `gcMarkers` (0: the engine's default), or null when nothing is missing. */
export function missingEngineOptions(gcMarkers: number, environment: Record<string, string | undefined>): Record<string, string> | null {
  // An explicit BUN_JSC_ setting is the operator's: it wins.
  if (gcMarkers === 0 || environment[GC_MARKERS] !== undefined) return null;
  return { [GC_MARKERS]: String(gcMarkers) };
}

/**
 * Replaces this process with the same command and `additions` in its environment. Returns
 * (false) only when it could not: not Linux, no libc, or execve failed; it never returns
 * otherwise.
 */
export function execWith(additions: Record<string, string>, environment: Record<string, string | undefined>): boolean {
  if (process.platform !== "linux") return false;
  try {
    const { dlopen, FFIType, ptr } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", { execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 } });
    const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
    const env = Object.entries({ ...environment, ...additions })
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => `${key}=${value}`);
    // The strings must stay reachable until execve has copied them: these locals hold them.
    // argv[0] is the executable's path, which execve takes first too.
    const argvStrings = argv.map(cString);
    const envStrings = env.map(cString);
    const pointers = (strings: Buffer[]) => {
      const array = new BigUint64Array(strings.length + 1);
      strings.forEach((s, i) => (array[i] = BigInt(ptr(s))));
      return array;
    };
    const argvArray = pointers(argvStrings);
    const envArray = pointers(envStrings);
    libc.symbols.execve(ptr(argvStrings[0]!), ptr(argvArray), ptr(envArray));
    return false;
  } catch {
    return false;
  }
}

function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}
