// Artifact digests. Bun's native SHA-256 (BoringSSL) is ~9x @noble/hashes' (`bun bench/hashing.ts`),
// and edge nodes verify every artifact on their event loop.
export function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}
