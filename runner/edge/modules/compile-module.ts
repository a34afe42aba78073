// Verified bytes + a function's limits -> a compiled, limit-enforcing module, with its estimated
// memory cost. Uses the pipeline directly rather than prepareModuleCached: the edge bounds what
// it keeps itself (ModuleCache), and a second process-wide cache of prepared bytes would hold
// memory outside that bound.
import { prepareModule, type PipelineLimits, type RejectionCode } from "../../pipeline";

/**
 * Memory a compiled module is charged in the cache, per byte of prepared (rewritten) module.
 * Measured with bun bench (bench/many-functions.ts): a 225 KB prepared module compiled by JSC
 * stays ~1.9 MiB resident, about 8.6x; charged 9x.
 */
export const COMPILED_COST_FACTOR = 9;

export interface CompiledModule {
  module: WebAssembly.Module;
  memory: { minPages: number; maxPages: number };
  cost: number;
}

export type CompileResult = { ok: true; compiled: CompiledModule } | { ok: false; code: RejectionCode; message: string };

export function compileModule(bytes: Uint8Array, limits: PipelineLimits): CompileResult {
  const prepared = prepareModule(bytes, limits, { verifyOutput: false });
  if (!prepared.ok) return { ok: false, code: prepared.rejection.code, message: prepared.rejection.message };
  try {
    const module = new WebAssembly.Module(prepared.bytes);
    return { ok: true, compiled: { module, memory: prepared.memory, cost: prepared.bytes.byteLength * COMPILED_COST_FACTOR } };
  } catch (error) {
    return { ok: false, code: "internal", message: `the rewritten module does not compile (a pipeline bug, please report): ${(error as Error).message}` };
  }
}
