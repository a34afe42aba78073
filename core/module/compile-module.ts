// The one road from artifact bytes to a compiled, limit-enforcing WebAssembly.Module, or one
// typed reason why not: the pipeline (on an offload thread where the caller has one), then the
// engine's compile. Edge nodes compile verified artifacts with compileModule; single-module mode
// (and tests) with compileArtifact, which checks the bytes' SHA-256 first. The control plane
// checks uploads with the same pipeline (ArtifactWork.check) but never compiles them.
// Nothing here is kept: the edge bounds what it keeps itself (ModuleCache), and a second
// cache of prepared bytes would hold memory outside that bound.
import {
  inputRejection,
  prepareModule,
  type PipelineLimits,
  type PrepareResult,
  type RejectionCode,
} from "../pipeline";
import { inlineWork, PREPARE_OPTIONS, type ArtifactWork } from "./offload/artifact-work";

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

export type CompileResult =
  | { ok: true; compiled: CompiledModule }
  | { ok: false; code: RejectionCode; message: string };

/**
 * A live edge node compiles while it serves, so the work happens off the event loop: the
 * pipeline's pass on the node's offload thread (`work`), WebAssembly.compile on JSC's compiler
 * threads, and the input is validated only if the output fails to compile (to name the
 * engine's reason). Event-loop gaps while compiling: docs/performance.md, "Off the event loop".
 */
export async function compileModule(
  bytes: Uint8Array,
  limits: PipelineLimits,
  work: ArtifactWork = inlineWork,
): Promise<CompileResult> {
  return compilePrepared(bytes, await work.prepare(bytes, limits));
}

/** The engine's compile of what the pipeline made of `bytes`. */
async function compilePrepared(bytes: Uint8Array, prepared: PrepareResult): Promise<CompileResult> {
  if (!prepared.ok) return { ok: false, code: prepared.rejection.code, message: prepared.rejection.message };
  try {
    const module = await WebAssembly.compile(prepared.bytes);
    return {
      ok: true,
      compiled: {
        module,
        memory: prepared.memory,
        reusable: prepared.reusable,
        cost: prepared.bytes.byteLength * COMPILED_COST_FACTOR,
      },
    };
  } catch (error) {
    const invalid = inputRejection(bytes);
    if (invalid) return { ok: false, code: invalid.code, message: invalid.message };
    return {
      ok: false,
      code: "internal",
      message: `the rewritten module does not compile (a pipeline bug, please report): ${(error as Error).message}`,
    };
  }
}

/** A compiled module with the digest and size of the bytes it came from. */
export interface CompiledArtifact extends CompiledModule {
  sha256: string;
  size: number;
}

export type ArtifactErrorCode = "sha256_mismatch" | RejectionCode;
export type CompileArtifactResult =
  | { ok: true; artifact: CompiledArtifact }
  | { ok: false; code: ArtifactErrorCode; message: string };

/** compileModule for bytes not yet verified: refused unless their SHA-256 is `expectedSha256` (any case), when given. */
export async function compileArtifact(
  bytes: Uint8Array,
  limits: PipelineLimits,
  expectedSha256?: string,
  work: ArtifactWork = inlineWork,
): Promise<CompileArtifactResult> {
  const sha256 = await work.sha256Hex(bytes);
  if (expectedSha256 && expectedSha256.toLowerCase() !== sha256) {
    return {
      ok: false,
      code: "sha256_mismatch",
      message: `SHA-256 mismatch: expected ${expectedSha256.toLowerCase()}, got ${sha256}`,
    };
  }
  // Nothing checked these bytes before (edge nodes compile what the control plane checked), so
  // the pipeline has the engine validate the input too: the rewrite may drop what made it invalid.
  const prepared = prepareModule(bytes, limits, { ...PREPARE_OPTIONS, validateInput: true });
  const compiled = await compilePrepared(bytes, prepared);
  if (!compiled.ok) return compiled;
  return { ok: true, artifact: { ...compiled.compiled, sha256, size: bytes.byteLength } };
}
