// Verified bytes + a function's limits -> a compiled, limit-enforcing module, with its estimated
// memory cost. Uses the pipeline directly rather than prepareModuleCached: the edge bounds what
// it keeps itself (ModuleCache), and a second process-wide cache of prepared bytes would hold
// memory outside that bound.
import { prepareModule, type PipelineLimits, type RejectionCode } from "../../pipeline";

/**
 * Memory a compiled module is charged in the cache, per byte of prepared (rewritten) module.
 * JSC keeps the bytes and compiles tiers lazily; once hot, machine code and metadata come to a
 * few times the bytecode. An estimate to bound by, not a measurement: 4x.
 */
export const COMPILED_COST_FACTOR = 4;

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
