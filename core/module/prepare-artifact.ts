// Artifact bytes -> a compiled, limit-enforcing WebAssembly.Module, or one typed reason why not.
// Every module the runner serves comes through here: hash check, pipeline, compile.
import { prepareModuleCached, type PipelineLimits, type RejectionCode } from "../pipeline";
import { sha256Hex } from "./sha256";

export interface PreparedArtifact {
  sha256: string;
  size: number;
  module: WebAssembly.Module;
  memory: { minPages: number; maxPages: number };
  /** See PrepareResult.reusable. */
  reusable: boolean;
}

export type ArtifactErrorCode = "sha256_mismatch" | RejectionCode;
export type PrepareArtifactResult = { ok: true; artifact: PreparedArtifact } | { ok: false; code: ArtifactErrorCode; message: string };

export function prepareArtifact(bytes: Uint8Array, limits: PipelineLimits, expectedSha256?: string): PrepareArtifactResult {
  const sha256 = sha256Hex(bytes);
  if (expectedSha256 && expectedSha256.toLowerCase() !== sha256) {
    return { ok: false, code: "sha256_mismatch", message: `SHA-256 mismatch: expected ${expectedSha256.toLowerCase()}, got ${sha256}` };
  }
  // Compiling below validates the output, so the pipeline need not validate it a second time.
  const prepared = prepareModuleCached(bytes, limits, sha256, { verifyOutput: false, resetEntry: true });
  if (!prepared.ok) return { ok: false, code: prepared.rejection.code, message: prepared.rejection.message };
  try {
    const module = new WebAssembly.Module(prepared.bytes);
    return { ok: true, artifact: { sha256, size: bytes.byteLength, module, memory: prepared.memory, reusable: prepared.reusable } };
  } catch (error) {
    // The pipeline's fuzz tests say this doesn't happen; if it does, it's our bug, not the user's.
    return { ok: false, code: "internal", message: `the rewritten module does not compile (a pipeline bug, please report): ${(error as Error).message}` };
  }
}
