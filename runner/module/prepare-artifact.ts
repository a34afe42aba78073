// Artifact bytes -> a compiled, limit-enforcing WebAssembly.Module, or one typed reason why not.
// Every module the runner serves comes through here: hash check, pipeline, compile.
import { prepareModuleCached, type PipelineLimits, type RejectionCode } from "../pipeline";
import { sha256Hex } from "./sha256";

export interface PreparedArtifact {
  sha256: string;
  size: number;
  module: WebAssembly.Module;
  memory: { minPages: number; maxPages: number };
}

export type ArtifactErrorCode = "sha256_mismatch" | "compile_failed" | RejectionCode;
export type PrepareArtifactResult = { ok: true; artifact: PreparedArtifact } | { ok: false; code: ArtifactErrorCode; message: string };

export function prepareArtifact(bytes: Uint8Array, limits: PipelineLimits, expectedSha256?: string): PrepareArtifactResult {
  const sha256 = sha256Hex(bytes);
  if (expectedSha256 && expectedSha256.toLowerCase() !== sha256) {
    return { ok: false, code: "sha256_mismatch", message: `SHA-256 mismatch: expected ${expectedSha256.toLowerCase()}, got ${sha256}` };
  }
  const prepared = prepareModuleCached(bytes, limits, sha256);
  if (!prepared.ok) return { ok: false, code: prepared.rejection.code, message: prepared.rejection.message };
  try {
    const module = new WebAssembly.Module(prepared.bytes);
    return { ok: true, artifact: { sha256, size: bytes.byteLength, module, memory: prepared.memory } };
  } catch (error) {
    return { ok: false, code: "compile_failed", message: `the engine refused the prepared module: ${(error as Error).message}` };
  }
}
