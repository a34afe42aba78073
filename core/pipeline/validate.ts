// The platform's rules for a guest module, checked against the ABI declared in
// core/abi/edge-v1.ts. Structural problems are found while reading; these are the rules.

import { EDGE_MODULE, EDGE_V1, MEMORY_IMPORT, type ValType } from "../abi/edge-v1.ts";
import {
  KIND,
  KIND_NAMES,
  LIMITS_64,
  LIMITS_SHARED,
  type FuncType,
  type Limits,
  type ModuleInfo,
} from "./module-info.ts";
import { reject, type SignatureMismatch } from "./rejections.ts";
import { signatureText } from "./value-types.ts";

const VALTYPE_BYTES: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** The module's one memory (imported or defined), or null when it has none. */
export function theMemory(info: ModuleInfo): Limits | null {
  const imported = info.imports.find((i) => i.kind === KIND.memory);
  return imported?.limits ?? info.memories[0] ?? null;
}

/** Runs before the code is walked: memory64 changes how memory instructions are encoded. */
export function checkMemoryShape(info: ModuleInfo): void {
  const imported = info.imports.filter((i) => i.kind === KIND.memory);
  const defined = info.memories.length;
  if (imported.length + defined > 1) reject("multiple_memories", { imported: imported.length, defined });
  const memory = theMemory(info);
  if (!memory) return;
  const where = imported[0] ? `imported memory "${imported[0].module}.${imported[0].name}"` : "the module's memory";
  if (memory.flags & LIMITS_64) reject("memory64", { where });
  if (memory.flags & LIMITS_SHARED) reject("shared_memory", { where });
}

function edgeSignature(name: string): FuncType | null {
  if (!Object.hasOwn(EDGE_V1, name)) return null;
  const sig = EDGE_V1[name as keyof typeof EDGE_V1];
  return { params: sig.params.map((t) => VALTYPE_BYTES[t]), results: sig.results.map((t) => VALTYPE_BYTES[t]) };
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function checkImports(info: ModuleInfo): void {
  const forbidden: string[] = [];
  const mismatches: SignatureMismatch[] = [];
  for (const imp of info.imports) {
    const label = `"${imp.module}.${imp.name}"`;
    if (imp.module === MEMORY_IMPORT.module && imp.name === MEMORY_IMPORT.name) {
      if (imp.kind !== KIND.memory)
        mismatches.push({ name: label, expected: "a memory", actual: `a ${KIND_NAMES[imp.kind]}` });
      continue;
    }
    const expected = imp.module === EDGE_MODULE ? edgeSignature(imp.name) : null;
    if (!expected) {
      forbidden.push(label);
      continue;
    }
    const want = `function ${signatureText(expected.params, expected.results)}`;
    if (imp.kind !== KIND.func) {
      mismatches.push({ name: label, expected: want, actual: `a ${KIND_NAMES[imp.kind]}` });
      continue;
    }
    const actual = info.types[imp.typeIndex];
    if (!actual) {
      mismatches.push({ name: label, expected: want, actual: `missing type ${imp.typeIndex}` });
    } else if (!sameTypes(actual.params, expected.params) || !sameTypes(actual.results, expected.results)) {
      mismatches.push({
        name: label,
        expected: want,
        actual: `function ${signatureText(actual.params, actual.results)}`,
      });
    }
  }
  if (forbidden.length > 0) {
    const allowed = `"${MEMORY_IMPORT.module}.${MEMORY_IMPORT.name}" and the edge v1 calls ("${EDGE_MODULE}.${Object.keys(EDGE_V1)[0]}", ...)`;
    reject("forbidden_imports", { imports: forbidden, allowed, hints: importHints(forbidden) });
  }
  if (mismatches.length > 0) reject("import_signature_mismatch", { mismatches });
}

/** Toolchain advice for the imports toolchains add by default. */
function importHints(forbidden: readonly string[]): string[] {
  const hints: string[] = [];
  if (forbidden.some((name) => name.startsWith(`"wasi`)))
    hints.push("no WASI: build for wasm32-unknown-unknown, not wasm32-wasi");
  if (forbidden.includes(`"env.abort"`))
    hints.push("AssemblyScript's abort: compile with --use abort= or point it at your own function");
  return hints;
}

function funcType(info: ModuleInfo, index: number): FuncType | undefined {
  if (index < info.importedFuncs) {
    const imp = info.imports.filter((i) => i.kind === KIND.func)[index];
    return info.types[imp.typeIndex];
  }
  return info.types[info.funcTypes[index - info.importedFuncs]];
}

function checkEntrypoint(info: ModuleInfo, entrypoint: string): void {
  const exp = info.exports.find((e) => e.name === entrypoint);
  if (!exp) {
    const funcs = info.exports.filter((e) => e.kind === KIND.func).map((e) => `"${e.name}"`);
    const shown = funcs.length > 10 ? [...funcs.slice(0, 10), `and ${funcs.length - 10} more`] : funcs;
    reject("missing_entrypoint", { entrypoint, exportedFunctions: shown });
  }
  if (exp.kind !== KIND.func) reject("entrypoint_not_function", { entrypoint, kind: KIND_NAMES[exp.kind] });
  const type = funcType(info, exp.index);
  if (type && type.params.length > 0) {
    reject("entrypoint_has_params", { entrypoint, signature: signatureText(type.params, type.results) });
  }
}

/** Runs after the engine accepted the module, so indices are known to be in range. */
export function checkAbi(info: ModuleInfo, limits: { memoryPages: number; entrypoint: string }): void {
  checkImports(info);
  checkEntrypoint(info, limits.entrypoint);
  const memory = theMemory(info);
  if (memory && memory.min > limits.memoryPages) {
    reject("memory_too_large", { minPages: memory.min, capPages: limits.memoryPages });
  }
}
