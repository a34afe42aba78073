// Function secrets in the node's state file, sealed: the file lets a restarted node serve before
// the control plane answers, functions with secrets too, but never holds a value in clear.
// Sealed with AES-256-GCM (core/crypto/sealed-box.ts) under a key derived from the node key
// (node-key.ts, HKDF-SHA-256), authenticated with the function id. The key file sits beside
// the state file: this keeps secrets out of a state file that leaves the machine without its
// cache dir (a backup, a bug report), not from whoever can read the cache dir as the node's user
// (docs/edge.md, "Secrets on the node").
import { hkdfSync } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import { DeployedFunction, SecretValues } from "../../../core/contract";
import { SealBroken, SealedBox } from "../../../core/crypto/sealed-box";
import { Value } from "@sinclair/typebox/value";

/** A DeployedFunction as the state file holds it: `secrets` replaced by `sealed_secrets`. */
export const StoredFunction = Type.Object(
  {
    function: DeployedFunction.properties.function,
    artifact: DeployedFunction.properties.artifact,
    revision: DeployedFunction.properties.revision,
    /** base64 of the sealed JSON of the secrets. */
    sealed_secrets: Type.Optional(Type.String({ maxLength: 8 * 1024 * 1024 })),
  },
  { additionalProperties: false },
);
export type StoredFunction = Static<typeof StoredFunction>;

export interface StateSealer {
  seal(entry: DeployedFunction): StoredFunction;
  /** Null when its secrets do not open (another node key, or changed bytes). */
  open(stored: StoredFunction): DeployedFunction | null;
}

/** For a node without a key (tests of the file alone): refuses to write a secret, opens none. */
export const NO_SECRETS: StateSealer = {
  seal(entry) {
    if (entry.secrets && Object.keys(entry.secrets).length > 0)
      throw new Error("refusing to write secrets into the state file without a sealing key");
    return withoutSecrets(entry);
  },
  open: (stored) => (stored.sealed_secrets === undefined ? withoutSecrets(stored) : null),
};

export function stateSealer(nodeKey: string): StateSealer {
  const key = new Uint8Array(hkdfSync("sha256", nodeKey, "edgebase", "state.json secrets v1", 32));
  const box = new SealedBox(key);
  const aad = (entry: { function: { id: string } }) => `edgebase state secrets v1\0${entry.function.id}`;
  return {
    seal(entry) {
      const stored: StoredFunction = withoutSecrets(entry);
      if (entry.secrets && Object.keys(entry.secrets).length > 0)
        stored.sealed_secrets = Buffer.from(box.seal(JSON.stringify(entry.secrets), aad(entry))).toString("base64");
      return stored;
    },
    open(stored) {
      const { sealed_secrets: sealed, ...rest } = stored;
      if (sealed === undefined) return rest;
      let secrets: unknown;
      try {
        secrets = JSON.parse(box.open(Buffer.from(sealed, "base64"), aad(stored)));
      } catch (error) {
        if (error instanceof SealBroken || error instanceof SyntaxError) return null;
        throw error;
      }
      return Value.Check(SecretValues, secrets) ? { ...rest, secrets } : null;
    },
  };
}

function withoutSecrets(entry: DeployedFunction | StoredFunction): StoredFunction {
  const stored: StoredFunction = { function: entry.function, artifact: entry.artifact };
  if (entry.revision !== undefined) stored.revision = entry.revision;
  return stored;
}
