// Assembles the prepared module section by section in the input's order: sections the
// rewrite touches are re-encoded, all others (and the bytes between patch points) copied.

import { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { bulkCheck, interruptCheck, writeCode, writeGlobals, writeInterruptImport } from "./inject-interrupts.ts";
import type { ModuleInfo } from "./module-info.ts";
import { rewriteNameSection } from "./name-section.ts";
import { ExpressionCopier, writeElements, writeExports, writeStart } from "./renumber.ts";
import { isMemoryImport, needsMemoryImport, planMemory, writeMemoryImport, type MemoryPlan } from "./rewrite-memory.ts";
import { SECTION, SECTION_RANK, sectionName, type Section } from "./sections.ts";
import { writeTables } from "./rewrite-tables.ts";

const I32 = 0x7f;

export interface RewritePlan {
  readonly memory: MemoryPlan;
  readonly addMemoryImport: boolean;
  /** Type index of `() -> i32` for the interrupt import; appended when none exists. */
  readonly interruptType: number;
  readonly appendInterruptType: boolean;
  /** The interrupt import goes right after the existing function imports. */
  readonly interruptFunc: number;
  /** The fuel global goes after every existing global. */
  readonly fuelGlobal: number;
}

export function planRewrite(info: ModuleInfo, capPages: number): RewritePlan {
  const existing = info.types.findIndex((t) => t.params.length === 0 && t.results.length === 1 && t.results[0] === I32);
  return {
    memory: planMemory(info, capPages),
    addMemoryImport: needsMemoryImport(info),
    interruptType: existing >= 0 ? existing : info.types.length,
    appendInterruptType: existing < 0,
    interruptFunc: info.importedFuncs,
    fuelGlobal: info.importedGlobals + info.definedGlobals,
  };
}

export function rewriteModule(info: ModuleInfo, plan: RewritePlan): Uint8Array {
  const input = info.bytes;
  // Checks add ~20 bytes per function and per loop; sized so large modules never regrow.
  const w = new ByteWriter(input.length + (input.length >> 2) + 1024);
  const constCopier = new ExpressionCopier(input, w, info.importedFuncs, null);
  const check = interruptCheck(plan.fuelGlobal, plan.interruptFunc);
  const afterBulk = bulkCheck(plan.fuelGlobal, plan.interruptFunc);
  w.copy(input, 0, 8);

  const newSection = (id: number, body: () => void): void => {
    w.u8(id);
    const mark = w.beginSized();
    body();
    w.endSized(mark);
  };
  const rewriteSection = (s: Section, body: (r: ByteReader) => void): void =>
    newSection(s.id, () => {
      const r = new ByteReader(input, s.contentStart, s.end);
      r.context = sectionName(s.id);
      body(r);
      r.expectEnd();
    });
  const writeType = (r: ByteReader | null): void => {
    w.u32((r ? r.u32() : 0) + 1);
    if (r) {
      w.copy(input, r.pos, r.end);
      r.pos = r.end;
    }
    w.u8(0x60);
    w.u8(0); // no params
    w.u8(1);
    w.u8(I32);
  };
  const writeImports = (): void => {
    w.u32(info.imports.length + (plan.addMemoryImport ? 1 : 0) + 1);
    for (const imp of info.imports) {
      if (isMemoryImport(imp)) writeMemoryImport(w, plan.memory);
      else w.copy(input, imp.start, imp.end);
    }
    if (plan.addMemoryImport) writeMemoryImport(w, plan.memory);
    writeInterruptImport(w, plan.interruptType);
  };

  // Sections the rewrite needs that the module lacks are created where the order puts them:
  // before the first section that must come after them.
  const pending = new Map<number, () => void>();
  if (plan.appendInterruptType) pending.set(SECTION.type, () => writeType(null));
  pending.set(SECTION.import, writeImports);
  pending.set(SECTION.global, () => writeGlobals(null, w, constCopier));
  const createPendingBefore = (rank: number): void => {
    for (const [id, body] of pending) {
      if (SECTION_RANK[id] >= rank) continue;
      newSection(id, body);
      pending.delete(id);
    }
  };

  for (const s of info.sections) {
    if (s.id === SECTION.custom) {
      writeCustom(w, input, s, info.importedFuncs);
      continue;
    }
    createPendingBefore(SECTION_RANK[s.id]);
    pending.delete(s.id);
    switch (s.id) {
      case SECTION.type:
        if (plan.appendInterruptType) rewriteSection(s, writeType);
        else w.copy(input, s.start, s.end);
        break;
      case SECTION.import:
        rewriteSection(s, (r) => {
          writeImports();
          r.pos = r.end;
        });
        break;
      case SECTION.table:
        rewriteSection(s, (r) => writeTables(info, r, w));
        break;
      case SECTION.memory:
        // Its one memory is now the env.memory import.
        break;
      case SECTION.global:
        rewriteSection(s, (r) => writeGlobals(r, w, constCopier));
        break;
      case SECTION.export:
        rewriteSection(s, (r) => writeExports(info, r, w));
        break;
      case SECTION.start:
        rewriteSection(s, (r) => writeStart(info, r, w));
        break;
      case SECTION.element:
        rewriteSection(s, (r) => writeElements(info, r, w, constCopier));
        break;
      case SECTION.code:
        rewriteSection(s, (r) => writeCode(info, r, w, check, afterBulk));
        break;
      default:
        w.copy(input, s.start, s.end);
    }
  }
  createPendingBefore(Number.POSITIVE_INFINITY);
  return w.finish();
}

function writeCustom(w: ByteWriter, input: Uint8Array, s: Section, importedFuncs: number): void {
  if (s.customName !== "name") {
    w.copy(input, s.start, s.end);
    return;
  }
  const payload = rewriteNameSection(input, s, importedFuncs);
  if (!payload) return;
  w.u8(SECTION.custom);
  const mark = w.beginSized();
  w.copy(input, s.contentStart, s.payloadStart);
  w.bytes(payload);
  w.endSized(mark);
}
