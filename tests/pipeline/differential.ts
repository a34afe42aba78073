// Runs an original module and its prepared version side by side and compares every call's
// outcome (a value or a trap) and every host call they make. The prepared one runs first,
// under a fuel budget: if it hits the budget the original is not run for that call, so a
// module that never terminates cannot hang the test.

import type { PrepareResult } from "../../core/pipeline/index.ts";
import { budgetInterrupt, Deadline, instantiateOriginal, instantiatePrepared } from "./harness.ts";

type Ok = Extract<PrepareResult, { ok: true }>;

export interface Call {
  readonly name: string;
  readonly args: readonly unknown[];
}

export type Verdict =
  | { readonly kind: "same"; readonly compared: number }
  | { readonly kind: "differs"; readonly detail: string }
  | { readonly kind: "inconclusive"; readonly reason: string; readonly compared: number };

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(",")}]`;
  if (typeof v === "bigint") return `${v}n`;
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** "value:<v>" or "trap:<ErrorName>"; Deadline propagates. */
export function run(fn: () => unknown): string {
  try {
    return `value:${show(fn())}`;
  } catch (e) {
    if (e instanceof Deadline) throw e;
    return `trap:${e instanceof Error ? e.constructor.name : typeof e}`;
  }
}

export function compareRuns(
  original: Uint8Array,
  prepared: Ok,
  calls: (exports: WebAssembly.Instance["exports"]) => readonly Call[],
  fuel = 1000,
  maxInterrupts = 300,
): Verdict {
  const logP: unknown[] = [];
  const logO: unknown[] = [];
  let p: WebAssembly.Instance | null = null;
  let o: WebAssembly.Instance | null = null;
  let startP: string;
  try {
    startP = run(() => {
      p = instantiatePrepared(prepared, budgetInterrupt(fuel, maxInterrupts).interrupt, logP).instance;
    });
  } catch {
    return { kind: "inconclusive", reason: "the start function ran out of fuel", compared: 0 };
  }
  const startO = run(() => {
    o = instantiateOriginal(original, prepared.memory, logO);
  });
  // A RangeError here is the engine running out of memory or stack, not the module's doing.
  if (startP === "trap:RangeError" || startO === "trap:RangeError")
    return { kind: "inconclusive", reason: "engine resources", compared: 0 };
  if (startP !== startO) return { kind: "differs", detail: `instantiation: prepared ${startP}, original ${startO}` };
  if (!p || !o) return { kind: "same", compared: 1 };
  const pi: WebAssembly.Instance = p;
  const oi: WebAssembly.Instance = o;
  let compared = 1;
  for (const call of calls(pi.exports)) {
    let outP: string;
    try {
      outP = run(() => (pi.exports[call.name] as (...a: unknown[]) => unknown)(...call.args));
    } catch {
      return { kind: "inconclusive", reason: `${call.name} ran out of fuel`, compared };
    }
    const outO = run(() => (oi.exports[call.name] as (...a: unknown[]) => unknown)(...call.args));
    // Stack depth differs between engines' frames; past an overflow, state may differ legitimately.
    if (outP === "trap:RangeError" || outO === "trap:RangeError")
      return { kind: "inconclusive", reason: "stack overflow", compared };
    if (outP !== outO)
      return {
        kind: "differs",
        detail: `${call.name}(${call.args.map(show).join(", ")}): prepared ${outP}, original ${outO}`,
      };
    compared++;
  }
  if (show(logP.map(show)) !== show(logO.map(show))) return { kind: "differs", detail: "host calls differ" };
  return { kind: "same", compared };
}
