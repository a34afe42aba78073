// What lets a runner serve the next request on the same instance instead of a new one, with
// the guest unable to tell the difference. A new instance costs ~3 µs of a hello-world request's
// ~4 µs in a worker (5-6 µs under load); a reset costs what zeroing the memory costs, which a new
// instance pays too.
//
// After a run, an instance differs from a new one in: memory (contents and size), mutable
// globals, tables, and which data and element segments were dropped. The runner restores
// memory (zero, then the data segments' bytes, unless memory grew: then the instance is
// dropped). Globals are restored here: the entrypoint export is pointed at an added function
// that sets every mutable global to its initial value, runs the start function if there is
// one, then calls the guest's entrypoint. The start section itself is dropped, so that what
// the runner sees in memory after instantiating is the data segments alone, and the start
// function runs once per request on a reset instance as it would on a new one.
// Tables and segment drops cannot be undone, so a module that writes a table or drops a
// segment is not reusable: it keeps its start section and gets a new instance per request.

import { ByteWriter } from "./byte-writer.ts";
import type { CodeFacts } from "./call-graph.ts";
import { KIND, type ModuleInfo } from "./module-info.ts";
import { OP } from "./opcodes.ts";
import { shiftFunc } from "./renumber.ts";

export interface ResetPlan {
  /** The export the runner calls, now pointing at `func`. */
  readonly exportName: string;
  /** Output index of the added function and its type (the entrypoint's). */
  readonly func: number;
  readonly type: number;
  /** Output index of the guest's entrypoint, which the added function calls. */
  readonly entry: number;
  /** Output index of the start function, which the added function calls first; -1 if none. */
  readonly start: number;
  readonly params: number;
}

/** A mutable global's output index and its initial-value expression as written (ending in `end`). */
export interface GlobalInit {
  readonly index: number;
  readonly expr: Uint8Array;
}

/**
 * The reset plan, or null when the module's state cannot all be restored (see above) or the
 * entrypoint is not a defined function whose export can be redirected. `func` is the index the
 * added function will have.
 */
export function planReset(
  info: ModuleInfo,
  facts: CodeFacts,
  entrypoint: string | null,
  func: number,
  addedImports: number,
): ResetPlan | null {
  if (entrypoint === null || facts.tableOrSegmentWrites) return null;
  // State the module imports (a global, a table) would be the host's to restore: edge v1 has none.
  if (info.imports.some((i) => i.kind !== KIND.func && i.kind !== KIND.memory)) return null;
  // Export names are unique in a valid module.
  const exported = info.exports.find((e) => e.name === entrypoint);
  if (!exported || exported.kind !== KIND.func) return null;
  const defined = exported.index - info.importedFuncs;
  if (defined < 0 || defined >= info.funcTypes.length) return null;
  // An export is one of the places that declare a function for ref.func in code; redirecting
  // it could undeclare one. (Element segments and global initialisers declare too, and stay.)
  if (facts.namedInCode[defined] === 1) return null;
  const type = info.funcTypes[defined];
  const signature = info.types[type];
  if (!signature) return null;
  const start = info.start === null ? -1 : shiftFunc(info.start, info.importedFuncs, addedImports);
  return {
    exportName: entrypoint,
    func,
    type,
    entry: shiftFunc(exported.index, info.importedFuncs, addedImports),
    start,
    params: signature.params.length,
  };
}

/** The added function's body (locals and code, without its size): reset each global, run the start function, call the entrypoint. */
export function resetEntryBody(plan: ResetPlan, globals: readonly GlobalInit[]): Uint8Array {
  const w = new ByteWriter(64 + globals.reduce((n, g) => n + g.expr.length + 6, 0));
  w.u32(0);
  for (const g of globals) {
    // A constant expression is valid code; its final `end` is not part of it.
    w.bytes(g.expr.subarray(0, g.expr.length - 1));
    w.u8(OP.globalSet);
    w.u32(g.index);
  }
  if (plan.start >= 0) {
    w.u8(OP.call);
    w.u32(plan.start);
  }
  for (let i = 0; i < plan.params; i++) {
    w.u8(OP.localGet);
    w.u32(i);
  }
  w.u8(OP.call);
  w.u32(plan.entry);
  w.u8(OP.end);
  return w.finish();
}
