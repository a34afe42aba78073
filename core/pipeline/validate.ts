// The platform's rules for a guest module, checked against the ABIs declared in core/abi/
// (edge-v1.ts for runtime wasm, wasi-preview1.ts for runtime wasi). Structural problems are found
// while reading; these are the rules.

import { EDGE_MODULE, EDGE_V1, MEMORY_IMPORT, type HostCallSignature, type ValType } from "../abi/edge-v1.ts";
import type { RuntimeName } from "../abi/runtimes.ts";
import { EDGE_WASI_IMPORTS, WASI_MODULE, WASI_P1, type WasiCallName } from "../abi/wasi-preview1.ts";
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
import { checkRuntime } from "./runtime-check.ts";
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

function signatureOf(sig: HostCallSignature): FuncType {
  return { params: sig.params.map((t) => VALTYPE_BYTES[t]), results: sig.results.map((t) => VALTYPE_BYTES[t]) };
}

/** The signature `module.name` must have under `runtime`, or null when it may not be imported. */
function allowedImport(runtime: RuntimeName, module: string, name: string): FuncType | null {
  if (module === EDGE_MODULE && runtime === "wasm" && Object.hasOwn(EDGE_V1, name))
    return signatureOf(EDGE_V1[name as keyof typeof EDGE_V1]);
  if (module !== WASI_MODULE || !Object.hasOwn(WASI_P1, name)) return null;
  if (runtime === "wasm" && !EDGE_WASI_IMPORTS.has(name as WasiCallName)) return null;
  return signatureOf(WASI_P1[name as WasiCallName]);
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function checkImports(info: ModuleInfo, runtime: RuntimeName): void {
  const forbidden: string[] = [];
  const mismatches: SignatureMismatch[] = [];
  for (const imp of info.imports) {
    const label = `"${imp.module}.${imp.name}"`;
    if (imp.module === MEMORY_IMPORT.module && imp.name === MEMORY_IMPORT.name) {
      if (imp.kind !== KIND.memory)
        mismatches.push({ name: label, expected: "a memory", actual: `a ${KIND_NAMES[imp.kind]}` });
      continue;
    }
    const expected = allowedImport(runtime, imp.module, imp.name);
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
    reject("forbidden_imports", {
      imports: forbidden,
      allowed: ALLOWED[runtime],
      hints: importHints(forbidden, runtime),
    });
  }
  if (mismatches.length > 0) reject("import_signature_mismatch", { mismatches });
}

const ALLOWED: Record<RuntimeName, string> = {
  wasm: `"${MEMORY_IMPORT.module}.${MEMORY_IMPORT.name}", the edge v1 calls ("${EDGE_MODULE}.${Object.keys(EDGE_V1)[0]}", ...) and WASI's stdio, clock and random calls ("${WASI_MODULE}.fd_write", ...)`,
  wasi: `"${MEMORY_IMPORT.module}.${MEMORY_IMPORT.name}" and the calls WASI preview 1 defines ("${WASI_MODULE}.fd_write", ...)`,
};

/** Toolchain advice for the imports toolchains add by default. */
function importHints(forbidden: readonly string[], runtime: RuntimeName): string[] {
  const hints: string[] = [];
  const wasi = forbidden.filter((name) => name.startsWith(`"${WASI_MODULE}.`));
  if (runtime === "wasi" && wasi.length > 0)
    hints.push(`WASI preview 1 defines no ${wasi.join(", ")}: build for wasm32-wasip1 (preview 1), not preview 2`);
  else if (wasi.length > 0)
    hints.push(
      "WASI calls beyond stdio, clock and random: a WASI program is registered with runtime wasi, else build for wasm32-unknown-unknown",
    );
  else if (forbidden.some((name) => name.startsWith(`"wasi`)))
    hints.push("only WASI preview 1 (wasi_snapshot_preview1) is supported: build for wasm32-wasip1");
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

function checkEntrypoint(info: ModuleInfo, entrypoint: string, runtime: RuntimeName): void {
  const exp = info.exports.find((e) => e.name === entrypoint);
  if (!exp) {
    const funcs = info.exports.filter((e) => e.kind === KIND.func).map((e) => `"${e.name}"`);
    const shown = funcs.length > 10 ? [...funcs.slice(0, 10), `and ${funcs.length - 10} more`] : funcs;
    reject("missing_entrypoint", { entrypoint, exportedFunctions: shown, wasi: runtime === "wasi" });
  }
  if (exp.kind !== KIND.func) reject("entrypoint_not_function", { entrypoint, kind: KIND_NAMES[exp.kind] });
  const type = funcType(info, exp.index);
  if (type && type.params.length > 0) {
    reject("entrypoint_has_params", { entrypoint, signature: signatureText(type.params, type.results) });
  }
}

/** Runs after the engine accepted the module, so indices are known to be in range. */
export function checkAbi(
  info: ModuleInfo,
  limits: { memoryPages: number; entrypoint: string; runtime?: RuntimeName },
): void {
  const runtime = limits.runtime ?? "wasm";
  checkRuntime(info, runtime, limits.entrypoint);
  checkImports(info, runtime);
  checkEntrypoint(info, limits.entrypoint, runtime);
  const memory = theMemory(info);
  if (memory && memory.min > limits.memoryPages) {
    reject("memory_too_large", { minPages: memory.min, capPages: limits.memoryPages });
  }
}
