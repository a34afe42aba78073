// Makes guest code interruptible without engine support: a fuel counter in an added global
// is decremented at every function entry and loop header; when it runs out the code calls
// the host's interrupt import, which throws (stop) or returns more fuel.

import { FUEL_INITIAL, INTERRUPT_IMPORT } from "../abi/edge-v1.ts";
import type { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { walkExpression } from "./instructions.ts";
import type { ModuleInfo } from "./module-info.ts";
import { ExpressionCopier } from "./renumber.ts";
import { readValType } from "./value-types.ts";

const I32 = 0x7f;
const OP = { globalGet: 0x23, globalSet: 0x24, i32Const: 0x41, i32Sub: 0x6b, i32LeS: 0x4c, if: 0x04, call: 0x10, end: 0x0b } as const;
const EMPTY_BLOCK = 0x40;

/**
 * The check, stack-neutral so it fits anywhere a block or function starts:
 *   global.get $fuel; i32.const 1; i32.sub; global.set $fuel
 *   global.get $fuel; i32.const 0; i32.le_s; if; call $interrupt; global.set $fuel; end
 * `le_s` rather than `eqz` so an interrupt answering 0 or less fires again at the next
 * check instead of wrapping around. Measured variants (eqz, br_if, check-before-decrement,
 * a call to a shared check function) cost the same within noise on a 200M-iteration loop;
 * the call variant was ~10% slower on call-heavy code, so the check is inlined.
 */
export function interruptCheck(fuelGlobal: number, interruptFunc: number): Uint8Array {
  const w = new ByteWriter(32);
  w.u8(OP.globalGet);
  w.u32(fuelGlobal);
  w.u8(OP.i32Const);
  w.s32(1);
  w.u8(OP.i32Sub);
  w.u8(OP.globalSet);
  w.u32(fuelGlobal);
  w.u8(OP.globalGet);
  w.u32(fuelGlobal);
  w.u8(OP.i32Const);
  w.s32(0);
  w.u8(OP.i32LeS);
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
  w.u8(OP.call);
  w.u32(interruptFunc);
  w.u8(OP.globalSet);
  w.u32(fuelGlobal);
  w.u8(OP.end);
  return w.finish();
}

/**
 * After a bulk memory or table operation: ask the host at once (`call $interrupt; global.set
 * $fuel`). One such operation may take a long time (filling 1 GiB: ~0.3 s) without any loop or
 * call, so the fuel count says nothing about it; the host call looks at the clock.
 */
export function bulkCheck(fuelGlobal: number, interruptFunc: number): Uint8Array {
  const w = new ByteWriter(16);
  w.u8(OP.call);
  w.u32(interruptFunc);
  w.u8(OP.globalSet);
  w.u32(fuelGlobal);
  return w.finish();
}

/** The import entry for the interrupt host call. */
export function writeInterruptImport(w: ByteWriter, typeIndex: number): void {
  w.name(INTERRUPT_IMPORT.module);
  w.name(INTERRUPT_IMPORT.name);
  w.u8(0x00);
  w.u32(typeIndex);
}

/** Writes the global section: the module's globals (renumbered) plus the fuel global last. */
export function writeGlobals(r: ByteReader | null, w: ByteWriter, copier: ExpressionCopier): void {
  const count = r ? r.u32() : 0;
  w.u32(count + 1);
  for (let i = 0; r && i < count; i++) {
    r.context = `global ${i}`;
    const typeStart = r.pos;
    readValType(r, r.context);
    r.u8();
    w.copy(r.bytes, typeStart, r.pos);
    copier.constExpr(r);
  }
  w.u8(I32);
  w.u8(0x01); // mutable
  w.u8(OP.i32Const);
  w.s32(FUEL_INITIAL);
  w.u8(OP.end);
}

/**
 * Rewrites every function body: entry check after the locals (except in bodies with neither a
 * loop nor a call), loop checks, renumbering.
 */
export function writeCode(info: ModuleInfo, r: ByteReader, w: ByteWriter, check: Uint8Array, afterBulk: Uint8Array): void {
  const count = r.u32();
  if (count !== info.funcTypes.length) {
    r.malformed(`the code section has ${count} bodies but the function section declares ${info.funcTypes.length}`);
  }
  w.u32(count);
  const copier = new ExpressionCopier(r.bytes, w, info.importedFuncs, check, afterBulk);
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
    w.bytes(check);
    copier.begin(r.pos);
    walkExpression(r, copier);
    if (r.pos !== bodyEnd) r.malformed("bytes after the function's final end");
    copier.flush(bodyEnd);
    // Without a loop or a call a body runs each instruction at most once: it ends in bounded
    // time on its own, and whoever called it was checked, so its entry check only costs.
    if (!copier.loopsOrCalls) w.remove(checkAt, check.length);
    w.endSized(mark);
    r.end = sectionEnd;
  }
  r.func = -1;
}
