// Everything that bounds one invocation, as one object (wasmtime keeps its limits the same way).
// Memory and time have separate mechanisms: memory by the capped WebAssembly.Memory the module
// imports, time by the fuel checks the pipeline injects plus the pool's watchdog.

export interface InvocationLimits {
  /** Wall-clock budget of one invocation, instantiation and start function included. */
  maxExecutionMs: number;
  maxResponseBytes: number;
  /** Guest log lines kept per invocation; the rest are counted and dropped. */
  maxLogLines: number;
  /** Bytes of one guest log line kept; longer lines are truncated. */
  maxLogLineBytes: number;
}

/**
 * How long after its deadline a silent worker is presumed stuck and replaced. The fuel checks
 * end a guest at its deadline; this is the backstop, generous enough that a starved CPU or a
 * deep stack unwinding (seen at ~600 ms here) is not mistaken for a stuck worker. Where the
 * worker's CPU time can be read, the grace is CPU time spent past the deadline (a background
 * spare on a busy node may not run for seconds, and is not stuck for that), up to
 * WATCHDOG_HARD_MS of wall time.
 */
export const WATCHDOG_GRACE_MS = 1000;
export const WATCHDOG_HARD_MS = 10_000;

/**
 * Whether a worker `lateMs` past its invocation's deadline is stuck. `cpuLateMs`: CPU time its
 * thread used since the deadline, null where that cannot be read (then wall time decides).
 */
export function presumedStuck(lateMs: number, cpuLateMs: number | null): boolean {
  if (lateMs <= WATCHDOG_GRACE_MS) return false;
  if (cpuLateMs === null || lateMs >= WATCHDOG_HARD_MS) return true;
  return cpuLateMs >= WATCHDOG_GRACE_MS;
}

/** The detail of an invocation the pool stopped (CONTROL_CANCEL) before replacing its worker. */
export const CANCELLED = "cancelled by the runner";
/** The detail of an invocation stopped to start again on another worker (CONTROL_MOVE): never an answer. */
export const MOVED = "moved to another worker";

/** Fuel handed back to the guest each time the interrupt check finds time left. */
export const FUEL_REFILL = 10_000;
