// Authenticated encryption of small values at rest: AES-256-GCM (node:crypto, synchronous, so it
// fits inside a SQLite transaction), a random 96-bit IV per value, and additional data that ties
// a sealed value to where it belongs (a value moved to another row fails to open). The control
// plane seals function secrets with it, an edge node the secrets in its state file.
//
// Layout: format byte (1) | IV (12) | ciphertext | tag (16).
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";

const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** What sealing adds to a value's UTF-8 size. */
export const SEAL_OVERHEAD = 1 + IV_BYTES + TAG_BYTES;

/** A sealed value that does not open: another key, other additional data, or changed bytes. */
export class SealBroken extends Error {
  constructor() {
    super("a sealed value did not open (another key, or its bytes or place changed)");
  }
}

export class SealedBox {
  private readonly key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.byteLength !== KEY_BYTES) throw new Error(`a sealing key is ${KEY_BYTES} bytes, not ${key.byteLength}`);
    this.key = createSecretKey(key);
  }

  seal(plaintext: string, aad: string): Uint8Array {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, body, cipher.getAuthTag()]);
  }

  /** Throws SealBroken unless `sealed` was sealed with this key and this `aad`. */
  open(sealed: Uint8Array, aad: string): string {
    if (sealed.byteLength < SEAL_OVERHEAD || sealed[0] !== FORMAT) throw new SealBroken();
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, bytes.subarray(1, 1 + IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(bytes.subarray(bytes.byteLength - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(bytes.subarray(1 + IV_BYTES, bytes.byteLength - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString("utf8");
    } catch {
      throw new SealBroken();
    }
  }
}

/**
 * A 32-byte key written as text: 64 hex digits (`openssl rand -hex 32`) or base64 / base64url
 * (`openssl rand -base64 32`). Null for anything else; the text itself is never echoed.
 */
export function keyFromText(text: string): Uint8Array | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) return null;
  const bytes = Buffer.from(trimmed.replaceAll("-", "+").replaceAll("_", "/"), "base64");
  return bytes.byteLength === KEY_BYTES ? bytes : null;
}
