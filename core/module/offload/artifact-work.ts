// The CPU-heavy steps between an artifact's bytes and a compiled module: hashing (~1 ms per
// 2 MiB), the pipeline's rewrite (~20-45 ms per 2 MiB) and, for the control
// plane's check of an upload, the engine's validation too (~70 ms per 2 MiB in all). Edge nodes
// and the control plane serve while they do this, so they run it on a thread of their own
// (offload-thread.ts); tests and tools may run it inline.
import { prepareModule, type PipelineLimits, type PrepareResult, type Rejection } from "../../pipeline";
import { sha256Hex } from "../sha256";

export interface ArtifactWork {
  sha256Hex(bytes: Uint8Array): Promise<string>;
  /** prepareModule for a caller that compiles the result itself (no engine validation here). */
  prepare(bytes: Uint8Array, limits: PipelineLimits): Promise<PrepareResult>;
  /** Whether the runner would accept the module under `limits` (pipeline and engine validation): null, or why not. */
  check(bytes: Uint8Array, limits: PipelineLimits): Promise<Rejection | null>;
}

export const PREPARE_OPTIONS = { verifyOutput: false, validateInput: false, resetEntry: true } as const;

/** On the calling thread. */
export const inlineWork: ArtifactWork = {
  sha256Hex: async (bytes) => sha256Hex(bytes),
  prepare: async (bytes, limits) => prepareModule(bytes, limits, PREPARE_OPTIONS),
  check: async (bytes, limits) => moduleRejection(bytes, limits),
};

export function moduleRejection(bytes: Uint8Array, limits: PipelineLimits): Rejection | null {
  const result = prepareModule(bytes, limits);
  return result.ok ? null : result.rejection;
}
