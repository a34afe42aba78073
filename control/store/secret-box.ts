// How a function secret is sealed at rest: AES-256-GCM under the operator's key
// (--secrets-key-file), authenticated with the function id and the secret's name, so a sealed
// value copied onto another function or name does not open. And the start-up check that the
// key given is the one the stored secrets were sealed with.
import { SealBroken, SealedBox, keyFromText } from "../../core/crypto/sealed-box";
import type { SecretStore } from "./secret-store";

export const SECRETS_KEY_HOWTO =
  "32 random bytes as hex or base64, in a file only the control plane's user can read: openssl rand -hex 32 > secrets.key && chmod 600 secrets.key";

export class SecretBox {
  private readonly box: SealedBox;

  constructor(key: Uint8Array) {
    this.box = new SealedBox(key);
  }

  /** Null when `text` is not a key (see keyFromText). */
  static fromText(text: string): SecretBox | null {
    const key = keyFromText(text);
    return key ? new SecretBox(key) : null;
  }

  seal(functionId: string, key: string, value: string): Uint8Array {
    return this.box.seal(value, aad(functionId, key));
  }

  /** Throws SealBroken when the value was sealed with another key, or for another function or name. */
  open(functionId: string, key: string, sealed: Uint8Array): string {
    return this.box.open(sealed, aad(functionId, key));
  }
}

const aad = (functionId: string, key: string) => `edgebase secret v1\0${functionId}\0${key}`;

/**
 * Null when the store's secrets can be served with `box`; else why not, in one line: secrets
 * stored but no key given (nodes would lose them), or a key that opens none of them. Opens
 * every one: AES-GCM takes microseconds, and a half-readable store must not start either.
 */
export async function secretsKeyProblem(store: SecretStore, box: SecretBox | null): Promise<string | null> {
  const { secrets, functions } = await store.count();
  if (secrets === 0) return null;
  const held = `the store holds ${secrets} secret${secrets === 1 ? "" : "s"} of ${functions} function${functions === 1 ? "" : "s"}`;
  if (!box)
    return `${held}, sealed with a key: give it with --secrets-key-file FILE (or EDGE_CONTROL_SECRETS_KEY_FILE)`;
  let broken = 0;
  for await (const secret of store.sealedAll()) {
    try {
      box.open(secret.functionId, secret.key, secret.sealed);
    } catch (error) {
      if (!(error instanceof SealBroken)) throw error;
      broken++;
    }
  }
  if (broken === 0) return null;
  return `the secrets key given does not open ${broken} of the ${secrets} stored secrets: it is not the key they were sealed with; start with that key`;
}
