// Makes guest code interruptible without engine support: a fuel counter in an added global
// is decremented at every function entry and loop header; when it runs out the code calls
// the host's interrupt import, which throws (stop) or returns more fuel. A second added
// global counts the frames still allowed: functions that may recur take one on entry and give
// it back on every way out, so runaway recursion stops at MAX_CALL_DEPTH.

import { FUEL_INITIAL, INTERRUPT_IMPORT, MAX_CALL_DEPTH, STACK_OVERFLOW_IMPORT } from "../abi/edge-v1.ts";
import type { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { walkExpression } from "./instructions.ts";
import type { ModuleInfo } from "./module-info.ts";
import { EMPTY_BLOCK, OP } from "./opcodes.ts";
import { ExpressionCopier, type BulkCalls } from "./renumber.ts";
import type { GlobalInit } from "./reset-entry.ts";
import { I32, readValType } from "./value-types.ts";

/** Where the added globals and imports are. */
export interface CheckPlan {
  readonly fuelGlobal: number;
  readonly depthGlobal: number;
  readonly interruptFunc: number;
  readonly overflowFunc: number;
}

function addToGlobal(w: ByteWriter, global: number, delta: number): void {
  w.u8(OP.globalGet);
  w.u32(global);
  w.u8(OP.i32Const);
  w.s32(Math.abs(delta));
  w.u8(delta < 0 ? OP.i32Sub : OP.i32Add);
  w.u8(OP.globalSet);
  w.u32(global);
}

/** `global.get $global; i32.const 0; <compare>; if`: opens a block entered when the comparison holds. */
function ifGlobalVsZero(w: ByteWriter, global: number, compare: number): void {
  w.u8(OP.globalGet);
  w.u32(global);
  w.u8(OP.i32Const);
  w.s32(0);
  w.u8(compare);
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
}

/** `call $interrupt; global.set $fuel`: ask the host, refuel. */
function refuel(w: ByteWriter, p: Pick<CheckPlan, "fuelGlobal" | "interruptFunc">): void {
  w.u8(OP.call);
  w.u32(p.interruptFunc);
  w.u8(OP.globalSet);
  w.u32(p.fuelGlobal);
}

/** `if fuel <= 0: fuel = interrupt()`, the tail of every fuel check (bulk-helpers.ts uses it too). */
export function askHostWhenOutOfFuel(w: ByteWriter, p: Pick<CheckPlan, "fuelGlobal" | "interruptFunc">): void {
  ifGlobalVsZero(w, p.fuelGlobal, OP.i32LeS);
  refuel(w, p);
  w.u8(OP.end);
}

/**
 * The check, stack-neutral so it fits anywhere a block or function starts:
 *   global.get $fuel; i32.const 1; i32.sub; global.set $fuel
 *   global.get $fuel; i32.const 0; i32.le_s; if; call $interrupt; global.set $fuel; end
 * `le_s` rather than `eqz` so an interrupt answering 0 or less fires again at the next
 * check instead of wrapping around. Measured variants (eqz, br_if, check-before-decrement,
 * a call to a shared check function) cost the same within noise on a 200M-iteration loop;
 * the call variant was ~10% slower on call-heavy code, so the check is inlined.
 */
export function interruptCheck(p: CheckPlan): Uint8Array {
  const w = new ByteWriter(32);
  addToGlobal(w, p.fuelGlobal, -1);
  askHostWhenOutOfFuel(w, p);
  return w.finish();
}

/**
 * Entry check of a function that may recur: takes one unit of fuel and one frame, and asks
 * the host when either runs out, with one branch on the fast path:
 *   ...fuel - 1 and depth - 1 stored...
 *   global.get $fuel; i32.const 1; i32.sub; global.get $depth; i32.or; i32.const 0; i32.lt_s
 *   if
 *     global.get $depth; i32.const 0; i32.lt_s; if; call $stack_overflow; drop; end
 *     call $interrupt; global.set $fuel
 *   end
 * (fuel - 1 | depth) < 0 holds exactly when fuel <= 0 (as in the plain check) or depth < 0.
 * The plain check stays as it was, so modules without recursion pay nothing for the depth.
 */
export function nestingEntryCheck(p: CheckPlan): Uint8Array {
  const w = new ByteWriter(48);
  addToGlobal(w, p.fuelGlobal, -1);
  addToGlobal(w, p.depthGlobal, -1);
  w.u8(OP.globalGet);
  w.u32(p.fuelGlobal);
  w.u8(OP.i32Const);
  w.s32(1);
  w.u8(OP.i32Sub);
  w.u8(OP.globalGet);
  w.u32(p.depthGlobal);
  w.u8(OP.i32Or);
  w.u8(OP.i32Const);
  w.s32(0);
  w.u8(OP.i32LtS);
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
  ifGlobalVsZero(w, p.depthGlobal, OP.i32LtS);
  w.u8(OP.call);
  w.u32(p.overflowFunc);
  w.u8(OP.drop);
  w.u8(OP.end);
  refuel(w, p);
  w.u8(OP.end);
  return w.finish();
}

/** Gives the frame back: before every return and tail call, and at the end of the body. */
function leaveCode(p: CheckPlan): Uint8Array {
  const w = new ByteWriter(16);
  addToGlobal(w, p.depthGlobal, 1);
  return w.finish();
}

/**
 * After memory.init or a table operation: ask the host at once (`call $interrupt; global.set
 * $fuel`). Its time grows with its length, without any loop or call, so the fuel count says
 * nothing about it; the host call looks at the clock. (memory.fill and memory.copy, which can
 * run for the whole memory, are chunked instead: bulk-helpers.ts.)
 */
export function bulkCheck(p: CheckPlan): Uint8Array {
  const w = new ByteWriter(16);
  refuel(w, p);
  return w.finish();
}

/** What writeCode inserts. */
export interface BodyChecks {
  readonly plain: Uint8Array;
  readonly nestingEntry: Uint8Array;
  readonly leave: Uint8Array;
  readonly afterBulk: Uint8Array;
}

/** `p.depthGlobal` is -1 for a module where nothing may recur: no nesting code is needed. */
export function bodyChecks(p: CheckPlan): BodyChecks {
  const depth = p.depthGlobal >= 0;
  const none = new Uint8Array(0);
  return {
    plain: interruptCheck(p),
    nestingEntry: depth ? nestingEntryCheck(p) : none,
    leave: depth ? leaveCode(p) : none,
    afterBulk: bulkCheck(p),
  };
}

/** The import entries for the sandbox host calls, in index order, `count` of them (1 or 2); all have type `() -> i32`. */
export function writeSandboxImports(w: ByteWriter, typeIndex: number, count: number): void {
  for (const imp of [INTERRUPT_IMPORT, STACK_OVERFLOW_IMPORT].slice(0, count)) {
    w.name(imp.module);
    w.name(imp.name);
    w.u8(0x00);
    w.u32(typeIndex);
  }
}

/**
 * The global section with the fuel (and depth) globals appended. `inits` (when given) receives
 * each mutable global's output index and initial-value expression, for the reset entry.
 */
export function writeGlobals(
  r: ByteReader | null,
  w: ByteWriter,
  copier: ExpressionCopier,
  depth: boolean,
  importedGlobals = 0,
  inits: GlobalInit[] | null = null,
): void {
  const count = r ? r.u32() : 0;
  const added = depth ? [FUEL_INITIAL, MAX_CALL_DEPTH] : [FUEL_INITIAL];
  w.u32(count + added.length);
  for (let i = 0; r && i < count; i++) {
    r.context = `global ${i}`;
    const typeStart = r.pos;
    readValType(r, r.context);
    const mutable = r.u8() === 0x01;
    w.copy(r.bytes, typeStart, r.pos);
    const exprStart = w.length;
    copier.constExpr(r);
    if (mutable && inits) inits.push({ index: importedGlobals + i, expr: w.since(exprStart) });
  }
  added.forEach((initial, i) => {
    w.u8(I32);
    w.u8(0x01); // mutable
    const exprStart = w.length;
    w.u8(OP.i32Const);
    w.s32(initial);
    w.u8(OP.end);
    if (inits) inits.push({ index: importedGlobals + count + i, expr: w.since(exprStart) });
  });
}

/**
 * Rewrites every function body. A body that may be re-entered while it runs (`recursive`, see
 * call-graph.ts) gets the nesting entry check and is wrapped in a block, so every branch to
 * the function's own label lands before the code that gives the frame back:
 *   locals; <nesting check>; block (result <results>) <body> end; <leave>; end
 * with <leave> also before each `return` and tail call. Other bodies get the plain check after
 * the locals, dropped again for bodies with neither a loop nor a call.
 */
export function writeCode(
  info: ModuleInfo,
  r: ByteReader,
  w: ByteWriter,
  checks: BodyChecks,
  recursive: Uint8Array,
  blockType: (typeIndex: number) => Uint8Array | undefined,
  addedFuncs: number,
  bulkCalls: BulkCalls | null = null,
  helperBodies: readonly Uint8Array[] = [],
): void {
  const count = r.u32();
  if (count !== info.funcTypes.length) {
    r.malformed(`the code section has ${count} bodies but the function section declares ${info.funcTypes.length}`);
  }
  w.u32(count + helperBodies.length);
  const copier = new ExpressionCopier(
    r.bytes,
    w,
    info.importedFuncs,
    addedFuncs,
    checks.plain,
    checks.afterBulk,
    bulkCalls,
  );
  const sectionEnd = r.end;
  for (let i = 0; i < count; i++) {
    r.func = -1;
    const size = r.u32();
    const bodyEnd = r.pos + size;
    if (bodyEnd > sectionEnd) r.malformed(`body ${i} runs past the end of the code section`);
    r.end = bodyEnd;
    r.func = info.importedFuncs + i;
    const mark = w.beginSized();
    const localsStart = r.pos;
    for (let groups = r.u32(), g = 0; g < groups; g++) {
      r.u32();
      readValType(r);
    }
    w.copy(r.bytes, localsStart, r.pos);
    const checkAt = w.length;
    const counted = recursive[i] === 1;
    if (counted) {
      const type = blockType(info.funcTypes[i]);
      if (!type)
        r.malformed(
          `function ${info.importedFuncs + i} has type ${info.funcTypes[i]}, but the module declares ${info.types.length} types`,
          localsStart,
        );
      w.bytes(checks.nestingEntry);
      w.u8(OP.block);
      w.bytes(type);
    } else {
      w.bytes(checks.plain);
    }
    copier.exitCode = counted ? checks.leave : null;
    copier.begin(r.pos);
    walkExpression(r, copier);
    if (r.pos !== bodyEnd) r.malformed("bytes after the function's final end");
    copier.flush(bodyEnd);
    if (counted) {
      w.bytes(checks.leave);
      w.u8(OP.end);
    } else if (!copier.loopsOrCalls) {
      // Without a loop or a call a body runs each instruction at most once: it ends in bounded
      // time on its own, and whoever called it was checked, so its entry check only costs.
      w.remove(checkAt, checks.plain.length);
    }
    w.endSized(mark);
    r.end = sectionEnd;
  }
  r.func = -1;
  for (const body of helperBodies) {
    w.u32(body.length);
    w.bytes(body);
  }
}
