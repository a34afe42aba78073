// The CPU-heavy steps between an artifact's bytes and a compiled module: hashing (@noble/hashes,
// ~10 ms per 2 MiB here) and the pipeline's rewrite (~20-45 ms per 2 MiB). An edge node serves
// while it deploys, so it runs them on a thread of their own (offload-thread.ts); tests and
// tools may run them inline.
import { prepareModule, type PipelineLimits, type PrepareResult } from "../../pipeline";
import { sha256Hex } from "../../module/sha256";

export interface ArtifactWork {
  sha256Hex(bytes: Uint8Array): Promise<string>;
  /** prepareModule for a caller that compiles the result itself (no engine validation here). */
  prepare(bytes: Uint8Array, limits: PipelineLimits): Promise<PrepareResult>;
}

export const PREPARE_OPTIONS = { verifyOutput: false, validateInput: false } as const;

/** On the calling thread. */
export const inlineWork: ArtifactWork = {
  sha256Hex: async (bytes) => sha256Hex(bytes),
  prepare: async (bytes, limits) => prepareModule(bytes, limits, PREPARE_OPTIONS),
};
