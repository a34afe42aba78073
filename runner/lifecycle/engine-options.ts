// JavaScriptCore reads its options (BUN_JSC_*) from the environment once, when the process
// starts; there is no API to change them later. The runner wants two set differently from
// Bun's defaults, so when one is missing it executes itself again: same PID, same arguments and
// open files, the options added to the environment (execve, through bun:ffi, on Linux). An
// option the operator set in the environment is theirs and is left alone.
//
// numberOfGCMarkers, the threads a collection marks with (default: one per core). On a node the
// HTTP thread and the workers keep the cores busy, and a collection on the HTTP thread then
// waits for helper threads that wait for a CPU: its pauses stretch, and every request
// in flight waits with them. One marker cuts the p99 at saturation, req/s unchanged
// (docs/performance.md, "One GC marker").
//
// maxNumWasmFastMemories, how many WebAssembly memories may exist at once as "fast" memories:
// a 4 GiB reservation of address space whose guard pages stand in for bounds checks. The
// default is 8 per process; every memory past those is bounds-checked, and in this build that
// kind costs far more to make and to grow (madvise calls, each a TLB shootdown across the
// cores the process runs on, and a grow copies the whole memory). A worker keeps
// dozens of memories (kept instances, its pool), so on a node with a few functions nearly every
// memory was the slow kind, and a guest that allocates (a new memory every request, see
// executor.ts) paid it every time (docs/performance.md, "Fast memories").
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
 * nothing (docs/performance.md, "One GC marker").
 */
export function unnamedEngineSettings(
  argv: readonly string[],
  environment: Record<string, string | undefined>,
): EngineSettings | null {
  for (const { flag, env } of Object.values(ENGINE_SETTINGS)) {
    if (environment[env] !== undefined) return null;
    if (argv.some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))) return null;
  }
  return { gcMarkers: ENGINE_SETTINGS.gcMarkers.default, fastMemories: ENGINE_SETTINGS.fastMemories.default };
}

/** What to add to the environment for `settings`, or null when nothing is missing. */
export function missingEngineOptions(
  settings: EngineSettings,
  environment: Record<string, string | undefined>,
): Record<string, string> | null {
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
    const libc = dlopen("libc.so.6", {
      execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    });
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
