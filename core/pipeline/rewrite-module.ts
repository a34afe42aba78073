// Assembles the prepared module section by section in the input's order: sections the
// rewrite touches are re-encoded, all others (and the bytes between patch points) copied.

import { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { copyHelperBody, fillHelperBody, HELPER_PARAMS } from "./bulk-helpers.ts";
import { codeFacts } from "./call-graph.ts";
import { bodyChecks, writeCode, writeGlobals, writeSandboxImports } from "./inject-interrupts.ts";
import { KIND, type FuncType, type ModuleInfo } from "./module-info.ts";
import { rewriteNameSection } from "./name-section.ts";
import { ExpressionCopier, writeElements, writeExports, writeStart, type BulkCalls } from "./renumber.ts";
import { isMemoryImport, needsMemoryImport, planMemory, writeMemoryImport, type MemoryPlan } from "./rewrite-memory.ts";
import { SECTION, SECTION_RANK, sectionName, type Section } from "./sections.ts";
import { writeTables } from "./rewrite-tables.ts";
import { planReset, resetEntryBody, type GlobalInit, type ResetPlan } from "./reset-entry.ts";
import { I32 } from "./value-types.ts";

export interface RewritePlan {
  readonly memory: MemoryPlan;
  readonly addMemoryImport: boolean;
  /** Type index of `() -> i32` for the sandbox imports. */
  readonly interruptType: number;
  /** Types appended to the type section: the interrupt's when none exists, and block types. */
  readonly appendTypes: readonly FuncType[];
  /** 1 for each defined function whose frames are counted (it may recur), else 0. */
  readonly recursive: Uint8Array;
  /** Block type of the wrapper around each type's counted bodies: `[] -> results` of that type (empty for types no counted body has). */
  readonly blockTypes: readonly Uint8Array[];
  /**
   * The sandbox imports go right after the existing function imports: interrupt, then
   * stack_overflow only when some function may recur (each import costs every instantiation,
   * ~0.2 µs measured); addedFuncs says how many.
   */
  readonly addedFuncs: number;
  readonly interruptFunc: number;
  readonly overflowFunc: number;
  /** The fuel and (with recursion) call-depth globals go after every existing global. */
  readonly fuelGlobal: number;
  readonly depthGlobal: number;
  /**
   * The functions standing for memory.fill / memory.copy (bulk-helpers.ts), added after every
   * defined function (so no index moves) and only when some body uses the op; -1 otherwise.
   */
  readonly bulkCalls: BulkCalls;
  /** Their type, `(i32 i32 i32) -> ()`; -1 when neither is added. */
  readonly helperType: number;
  /** For each export of the input, in order: whether the output keeps it. */
  readonly keptExports: readonly boolean[];
  /** The reset entry (reset-entry.ts), added after the helpers; null when the module is not reusable. */
  readonly reset: ResetPlan | null;
}

const sameTypes = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * `entrypoint`: the one export the runner uses; the others are dropped (null keeps them all).
 * Each export costs every instantiation: ~0.45 µs per function or global, ~0.3 for the memory
 * (`new WebAssembly.Instance` of a hello-world-sized module takes ~3.7 µs here). A function
 * export stays when code names the function by ref.func, since an export is one of the places
 * that declare such a reference for validation; so does an export of an imported function
 * (rare, and the call graph does not track imports).
 */
export function planRewrite(
  info: ModuleInfo,
  capPages: number,
  entrypoint: string | null = null,
  resetEntry: string | null = null,
): RewritePlan {
  const appendTypes: FuncType[] = [];
  const typeIndex = (params: readonly number[], results: readonly number[]): number => {
    const existing = info.types.findIndex((t) => sameTypes(t.params, params) && sameTypes(t.results, results));
    if (existing >= 0) return existing;
    const added = appendTypes.findIndex((t) => sameTypes(t.params, params) && sameTypes(t.results, results));
    if (added >= 0) return info.types.length + added;
    appendTypes.push({ params: [...params], results: [...results] });
    return info.types.length + appendTypes.length - 1;
  };
  const interruptType = typeIndex([], [I32]);
  // A block with several results names a type by index (multi-value); none and one are inline.
  const facts = codeFacts(info);
  const recursive = facts.recursive;
  // Only types of counted bodies get one, so no type is appended for nothing.
  const used = new Set(info.funcTypes.filter((_, i) => recursive[i] === 1));
  const blockTypes = info.types.map(({ results }, index) => {
    if (results.length === 0) return Uint8Array.of(0x40);
    if (results.length === 1) return Uint8Array.of(results[0]);
    if (!used.has(index)) return Uint8Array.of();
    const w = new ByteWriter(8);
    w.s32(typeIndex([], results));
    return w.finish();
  });
  const fuelGlobal = info.importedGlobals + info.definedGlobals;
  const recursion = recursive.includes(1);
  const addedFuncs = recursion ? 2 : 1;
  let nextHelper = info.importedFuncs + addedFuncs + info.funcTypes.length;
  const bulkCalls = { fill: facts.fills ? nextHelper++ : -1, copy: facts.copies ? nextHelper++ : -1 };
  const helperType = facts.fills || facts.copies ? typeIndex(HELPER_PARAMS, []) : -1;
  const reset = planReset(info, facts, resetEntry, nextHelper, addedFuncs);
  const keptExports = info.exports.map(({ name, kind, index }) => {
    if (entrypoint === null || name === entrypoint) return true;
    if (kind !== KIND.func) return false;
    const defined = index - info.importedFuncs;
    return defined < 0 || facts.addressTaken[defined] === 1;
  });
  return {
    keptExports,
    memory: planMemory(info, capPages),
    addMemoryImport: needsMemoryImport(info),
    interruptType,
    appendTypes,
    recursive,
    blockTypes,
    addedFuncs,
    interruptFunc: info.importedFuncs,
    overflowFunc: recursion ? info.importedFuncs + 1 : -1,
    fuelGlobal,
    depthGlobal: recursion ? fuelGlobal + 1 : -1,
    bulkCalls,
    helperType,
    reset,
  };
}

export function rewriteModule(info: ModuleInfo, plan: RewritePlan): Uint8Array {
  const input = info.bytes;
  // Checks add ~20 bytes per function and per loop; sized so large modules never regrow.
  const w = new ByteWriter(input.length + (input.length >> 2) + 1024);
  const constCopier = new ExpressionCopier(input, w, info.importedFuncs, plan.addedFuncs, null);
  const checks = bodyChecks(plan);
  const helpers: Uint8Array[] = [];
  if (plan.bulkCalls.fill >= 0) helpers.push(fillHelperBody(plan));
  if (plan.bulkCalls.copy >= 0) helpers.push(copyHelperBody(plan));
  // Types of the functions appended after the module's own: the helpers, then the reset entry.
  const helperTypes = helpers.map(() => plan.helperType);
  // The reset entry's body needs the globals' initial values, written before the code section.
  const globalInits: GlobalInit[] | null = plan.reset ? [] : null;
  if (plan.reset) helperTypes.push(plan.reset.type);
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
    w.u32((r ? r.u32() : 0) + plan.appendTypes.length);
    if (r) {
      w.copy(input, r.pos, r.end);
      r.pos = r.end;
    }
    for (const t of plan.appendTypes) {
      w.u8(0x60);
      w.u32(t.params.length);
      for (const v of t.params) w.u8(v);
      w.u32(t.results.length);
      for (const v of t.results) w.u8(v);
    }
  };
  const writeImports = (): void => {
    w.u32(info.imports.length + (plan.addMemoryImport ? 1 : 0) + plan.addedFuncs);
    for (const imp of info.imports) {
      if (isMemoryImport(imp)) writeMemoryImport(w, plan.memory);
      else w.copy(input, imp.start, imp.end);
    }
    if (plan.addMemoryImport) writeMemoryImport(w, plan.memory);
    writeSandboxImports(w, plan.interruptType, plan.addedFuncs);
  };

  // Sections the rewrite needs that the module lacks are created where the order puts them:
  // before the first section that must come after them.
  const pending = new Map<number, () => void>();
  if (plan.appendTypes.length > 0) pending.set(SECTION.type, () => writeType(null));
  pending.set(SECTION.import, writeImports);
  const depth = plan.depthGlobal >= 0;
  pending.set(SECTION.global, () => writeGlobals(null, w, constCopier, depth, info.importedGlobals, globalInits));
  const createPendingBefore = (rank: number): void => {
    for (const [id, body] of pending) {
      if (SECTION_RANK[id] >= rank) continue;
      newSection(id, body);
      pending.delete(id);
    }
  };

  for (const s of info.sections) {
    if (s.id === SECTION.custom) {
      writeCustom(w, input, s, info.importedFuncs, plan.addedFuncs);
      continue;
    }
    createPendingBefore(SECTION_RANK[s.id]);
    pending.delete(s.id);
    switch (s.id) {
      case SECTION.type:
        if (plan.appendTypes.length > 0) rewriteSection(s, writeType);
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
        rewriteSection(s, (r) => writeGlobals(r, w, constCopier, depth, info.importedGlobals, globalInits));
        break;
      case SECTION.export:
        rewriteSection(s, (r) =>
          writeExports(
            info,
            r,
            w,
            plan.addedFuncs,
            plan.keptExports,
            plan.reset && { name: plan.reset.exportName, func: plan.reset.func },
          ),
        );
        break;
      case SECTION.start:
        // A reusable module's start function runs from the reset entry, once per request.
        if (!plan.reset) rewriteSection(s, (r) => writeStart(info, r, w, plan.addedFuncs));
        break;
      case SECTION.element:
        rewriteSection(s, (r) => writeElements(info, r, w, constCopier, plan.addedFuncs));
        break;
      case SECTION.function:
        if (helperTypes.length === 0) w.copy(input, s.start, s.end);
        else
          rewriteSection(s, (r) => {
            w.u32(r.u32() + helperTypes.length);
            w.copy(input, r.pos, r.end);
            r.pos = r.end;
            for (const type of helperTypes) w.u32(type);
          });
        break;
      case SECTION.code:
        if (plan.reset) helpers.push(resetEntryBody(plan.reset, globalInits ?? []));
        rewriteSection(s, (r) =>
          writeCode(
            info,
            r,
            w,
            checks,
            plan.recursive,
            (type) => plan.blockTypes[type],
            plan.addedFuncs,
            plan.bulkCalls,
            helpers,
          ),
        );
        break;
      default:
        w.copy(input, s.start, s.end);
    }
  }
  createPendingBefore(Number.POSITIVE_INFINITY);
  return w.finish();
}

function writeCustom(w: ByteWriter, input: Uint8Array, s: Section, importedFuncs: number, added: number): void {
  if (s.customName !== "name") {
    w.copy(input, s.start, s.end);
    return;
  }
  const payload = rewriteNameSection(input, s, importedFuncs, added);
  if (!payload) return;
  w.u8(SECTION.custom);
  const mark = w.beginSized();
  w.copy(input, s.contentStart, s.payloadStart);
  w.bytes(payload);
  w.endSized(mark);
}
