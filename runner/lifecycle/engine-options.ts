// JavaScriptCore reads its options (BUN_JSC_*) from the environment once, when the process
// starts; there is no API to change them later. The runner wants two set differently from
// Bun's defaults, so when one is missing it executes itself again: same PID, same arguments and
// open files, the options added to the environment (execve, through bun:ffi, on Linux). An
// option the operator set in the environment is theirs and is left alone.
//
// numberOfGCMarkers, the threads a collection marks with (default: one per core). On a node the
// HTTP thread and the workers keep the cores busy, and a collection on the HTTP thread then
// waits for helper threads that wait for a CPU: its pauses stretch to 3-4 ms, and every request
// in flight waits with them. Measured on 2 cores under wrk -c64 (hello-world, 3 alternating
// pairs): p99 3.3-3.5 ms with the default, 2.1-2.6 ms with one marker, req/s unchanged. perf
// sched showed the HTTP thread asleep up to 3.3 ms waiting on the helpers with the default,
// never over 0.9 ms with one marker.
//
// maxNumWasmFastMemories, how many WebAssembly memories may exist at once as "fast" memories:
// a 4 GiB reservation of address space whose guard pages stand in for bounds checks. The
// default is 8 per process; every memory past those is bounds-checked, and in this build that
// kind costs far more to make and to grow (madvise calls, each a TLB shootdown across the
// cores the process runs on, and a grow copies the whole memory). Measured here (1,000 memories
// alive): creating one 130-250 µs, growing it by a page 86-119 µs, against 22-29 and 2.5 µs
// as fast memories; growing one page at a time to 16 MiB 949 ms against 6. A worker keeps
// dozens of memories (kept instances, its pool), so on a node with a few functions nearly every
// memory was the slow kind: a Rust guest that allocates (a new memory every request, see
// executor.ts) ran at 2.3k req/s on 2 workers, 665 µs of CPU per request; with 4,096 fast
// memories 7.3-10.1k, 140-199 µs. Hello-world req/s and the RSS of 1,000 functions unchanged.
// The cost is address space only (4,096 x 4 GiB = 16 TiB of the 128 TiB a process has); where
// it is capped (RLIMIT_AS), memories past the cap fall back to bounds checks as before.
const GC_MARKERS = "BUN_JSC_numberOfGCMarkers";
const FAST_MEMORIES = "BUN_JSC_maxNumWasmFastMemories";

export interface EngineSettings {
  /** 0: the engine's default. */
  gcMarkers: number;
  /** 0: the engine's default. */
  fastMemories: number;
}

/** Each setting's flag, environment variable and default; config.ts takes them from here. */
export const ENGINE_SETTINGS = {
  gcMarkers: { flag: "gc-markers", env: "EDGE_RUNNER_GC_MARKERS", default: 1 },
  fastMemories: { flag: "fast-memories", env: "EDGE_RUNNER_FAST_MEMORIES", default: 4096 },
} as const;

/**
 * The settings when neither a flag nor the environment names one: the defaults, known without
 * loading the configuration. Null when something names one (the configuration decides then).
 * main.ts executes itself again before loading the configuration when this is not null: the
 * schema library and the configuration take ~25 ms to load, which the first process spent for
 * nothing. Process start to first response: 106-108 ms executing again after the configuration,
 * 90-98 before it, 83 not executing again at all (medians of 7; before metrics.ts loaded
 * prom-client late).
 */
export function unnamedEngineSettings(argv: readonly string[], environment: Record<string, string | undefined>): EngineSettings | null {
  for (const { flag, env } of Object.values(ENGINE_SETTINGS)) {
    if (environment[env] !== undefined) return null;
    if (argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))) return null;
  }
  return { gcMarkers: ENGINE_SETTINGS.gcMarkers.default, fastMemories: ENGINE_SETTINGS.fastMemories.default };
}

/** What to add to the environment for `settings`, or null when nothing is missing. */
export function missingEngineOptions(settings: EngineSettings, environment: Record<string, string | undefined>): Record<string, string> | null {
  const additions: Record<string, string> = {};
  const want = (name: string, value: number) => {
    if (value !== 0 && environment[name] === undefined) additions[name] = String(value);
  };
  want(GC_MARKERS, settings.gcMarkers);
  want(FAST_MEMORIES, settings.fastMemories);
  return Object.keys(additions).length > 0 ? additions : null;
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
