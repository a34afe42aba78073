// The `wasi_snapshot_preview1` import object: one implementation per call WASI preview 1
// defines (core/abi/wasi-preview1.ts), checked by type. A bad pointer in any call answers
// EFAULT; proc_exit unwinds the guest with WasiExit, which the executor turns into the end of
// the request (code 0) or the `exit` outcome.
import type { WasiCallName } from "../../../../core/abi/wasi-preview1";
import type { InvocationContext } from "../../invocation-context";
import { argsEnvironCalls } from "./args-environ";
import { clockCalls } from "./clock-calls";
import { deniedCalls } from "./denied-calls";
import { fdCalls } from "./fd-calls";
import { WasiFault } from "./wasi-memory";

/** Thrown by proc_exit: the guest asked to end with `code`. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`exit code ${code}`);
  }
}

export function wasiImports(ctx: () => InvocationContext, sleep: (ms: number) => void): Record<WasiCallName, Function> {
  const calls = {
    ...argsEnvironCalls(ctx),
    ...fdCalls(ctx),
    ...clockCalls(ctx, sleep),
    ...deniedCalls,
    proc_exit(code: number): never {
      ctx(); // only inside an invocation
      throw new WasiExit(code >>> 0);
    },
  } satisfies Record<WasiCallName, Function>;
  const imports = {} as Record<WasiCallName, Function>;
  for (const [name, call] of Object.entries(calls) as [WasiCallName, Function][]) {
    imports[name] = name === "proc_exit" ? call : answerFaults(call);
  }
  return imports;
}

function answerFaults(call: Function): Function {
  return (...args: unknown[]): number => {
    try {
      return call(...args) as number;
    } catch (error) {
      if (error instanceof WasiFault) return error.errno;
      throw error;
    }
  };
}
