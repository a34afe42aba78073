// The one SHA-256 of both programs: artifact digests (edge nodes verify every artifact on their
// event loop or offload thread, the control plane hashes uploads as they stream in), node keys
// and bearer tokens. Bun's native SHA-256 (BoringSSL) is ~9x @noble/hashes' (`bun bench/hashing.ts`).

/** For bytes that arrive in pieces: update() with each, then hex() or digest() once. */
export class Sha256 {
  private readonly hasher = new Bun.CryptoHasher("sha256");

  update(data: Uint8Array | string): this {
    this.hasher.update(data);
    return this;
  }

  /** Lower-case hex. */
  hex(): string {
    return this.hasher.digest("hex");
  }

  /** The 32 bytes. */
  digest(): Uint8Array {
    return this.hasher.digest();
  }
}

/** Lower-case hex SHA-256 of `data` (a string is hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  return new Sha256().update(data).hex();
}

/** The 32-byte SHA-256 of `data` (a string is hashed as UTF-8). */
export function sha256Digest(data: Uint8Array | string): Uint8Array {
  return new Sha256().update(data).digest();
}
