// Which runtime a module is written for, read from its imports and exports: single-file mode
// picks the runtime by it, and a function whose module was built for the other runtime is
// refused with `runtime_mismatch` and the runtime to register it with.
import { EDGE_MODULE } from "../abi/edge-v1.ts";
import type { RuntimeName } from "../abi/runtimes.ts";
import { WASI_ENTRYPOINT, WASI_MODULE } from "../abi/wasi-preview1.ts";
import { KIND, readModuleInfo, type ModuleInfo } from "./module-info.ts";
import { PipelineRejection, reject } from "./rejections.ts";
import { splitSections } from "./sections.ts";

function exportsFunction(info: ModuleInfo, name: string): boolean {
  return info.exports.some((e) => e.name === name && e.kind === KIND.func);
}

function imports(info: ModuleInfo, module: string): string[] {
  return info.imports.filter((i) => i.module === module).map((i) => `"${i.module}.${i.name}"`);
}

/**
 * The runtime `info` was built for, or why it fits neither: a module that imports the edge ABI
 * is `wasm`; else one that exports `_start` is a WASI command; else one that exports the edge
 * entrypoint is `wasm`.
 */
export function runtimeOf(info: ModuleInfo, entrypoint: string): { runtime: RuntimeName } | { reason: string } {
  if (imports(info, EDGE_MODULE).length > 0) return { runtime: "wasm" };
  if (exportsFunction(info, WASI_ENTRYPOINT)) return { runtime: "wasi" };
  if (exportsFunction(info, entrypoint)) return { runtime: "wasm" };
  return {
    reason: `the module exports neither "${entrypoint}" (an edge ABI function) nor "${WASI_ENTRYPOINT}" (a WASI command, i.e. a program with a main function)`,
  };
}

/** Refuses a module that is plainly built for the other runtime, naming the one to use. */
export function checkRuntime(info: ModuleInfo, runtime: RuntimeName, entrypoint: string): void {
  if (runtime === "wasm") {
    if (exportsFunction(info, entrypoint) || imports(info, EDGE_MODULE).length > 0) return;
    if (!exportsFunction(info, WASI_ENTRYPOINT)) return;
    const wasi = imports(info, WASI_MODULE);
    reject("runtime_mismatch", {
      found: `a WASI command (exports "${WASI_ENTRYPOINT}"${wasi.length > 0 ? `, imports ${wasi[0]}` : ""})`,
      runtime: "wasm",
      use: "wasi",
    });
  }
  const edge = imports(info, EDGE_MODULE);
  if (edge.length > 0)
    reject("runtime_mismatch", { found: `an edge ABI module (imports ${edge[0]})`, runtime: "wasi", use: "wasm" });
  if (!exportsFunction(info, entrypoint) && exportsFunction(info, "handle"))
    reject("runtime_mismatch", {
      found: `an edge ABI module (exports "handle", not "${entrypoint}")`,
      runtime: "wasi",
      use: "wasm",
    });
}

/**
 * runtimeOf for module bytes. A module that cannot even be read is `wasm`, so that preparing it
 * names what is wrong with it.
 */
export function detectRuntime(input: Uint8Array, entrypoint: string): { runtime: RuntimeName } | { reason: string } {
  try {
    return runtimeOf(readModuleInfo(input, splitSections(input)), entrypoint);
  } catch (e) {
    if (e instanceof PipelineRejection) return { runtime: "wasm" };
    throw e;
  }
}
