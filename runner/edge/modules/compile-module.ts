// Verified bytes + a function's limits -> a compiled, limit-enforcing module, with its estimated
// memory cost. Uses the pipeline directly rather than prepareModuleCached: the edge bounds what
// it keeps itself (ModuleCache), and a second process-wide cache of prepared bytes would hold
// memory outside that bound.
import { inputRejection, type PipelineLimits, type RejectionCode } from "../../../core/pipeline";
import { inlineWork, type ArtifactWork } from "../../../core/module/offload/artifact-work";

/**
 * Memory a compiled module is charged in the cache, per byte of prepared (rewritten) module.
 * Measured with bun bench (bench/many-functions.ts): a 225 KB prepared module compiled by JSC
 * stays ~1.9 MiB resident, about 8.6x; charged 9x.
 */
export const COMPILED_COST_FACTOR = 9;

export interface CompiledModule {
  module: WebAssembly.Module;
  memory: { minPages: number; maxPages: number };
  /** See PrepareResult.reusable. */
  reusable: boolean;
  cost: number;
}

export type CompileResult = { ok: true; compiled: CompiledModule } | { ok: false; code: RejectionCode; message: string };

/**
 * A live edge node compiles while it serves, so the work happens off the event loop: the
 * pipeline's pass on the node's offload thread (`work`), WebAssembly.compile on JSC's compiler
 * threads, and the input is validated only if the output fails to compile (to name the
 * engine's reason). Event-loop gaps while compiling: docs/performance.md, "Off the event loop".
 */
export async function compileModule(bytes: Uint8Array, limits: PipelineLimits, work: ArtifactWork = inlineWork): Promise<CompileResult> {
  const prepared = await work.prepare(bytes, limits);
  if (!prepared.ok) return { ok: false, code: prepared.rejection.code, message: prepared.rejection.message };
  try {
    const module = await WebAssembly.compile(prepared.bytes);
    return { ok: true, compiled: { module, memory: prepared.memory, reusable: prepared.reusable, cost: prepared.bytes.byteLength * COMPILED_COST_FACTOR } };
  } catch (error) {
    const invalid = inputRejection(bytes);
    if (invalid) return { ok: false, code: invalid.code, message: invalid.message };
    return { ok: false, code: "internal", message: `the rewritten module does not compile (a pipeline bug, please report): ${(error as Error).message}` };
  }
}
