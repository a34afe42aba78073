// Turns whatever stopped a guest into one outcome. Only this file looks at engine error
// messages, so a change in JSC's wording is fixed in one place.
import type { Outcome } from "../outcome";
import { GuestFault } from "./guest-fault";
import { WasiExit } from "./host/wasi/wasi-imports";

const PAGE = 65536;

export function classifyError(
  error: unknown,
  memory: WebAssembly.Memory | null,
  maxPages: number,
  startPages: number,
): { outcome: Outcome; detail: string } {
  if (error instanceof GuestFault) return { outcome: error.outcome, detail: error.detail };
  if (error instanceof WasiExit) return { outcome: "exit", detail: `exit code ${error.code}` };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (error instanceof RangeError && /call stack/i.test(error.message))
    return { outcome: "stack_overflow", detail: message };
  if (
    error instanceof WebAssembly.RuntimeError ||
    error instanceof WebAssembly.LinkError ||
    error instanceof WebAssembly.CompileError
  ) {
    // A guest that grew its memory up to the cap usually dies by `unreachable` (an allocator's
    // abort) or an out-of-bounds store; report that as the memory limit, not as a plain trap.
    // A module whose minimum already equals the cap never grew, so its traps stay traps.
    const pages = memory ? memory.buffer.byteLength / PAGE : 0;
    if (memory && pages >= maxPages && pages > startPages) {
      return { outcome: "memory", detail: `${message} (memory at its ${maxPages}-page limit)` };
    }
    return { outcome: "trap", detail: message };
  }
  if (error instanceof Error && /out of memory/i.test(error.message)) return { outcome: "memory", detail: message };
  return { outcome: "trap", detail: message };
}
