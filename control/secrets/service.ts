// Setting, listing and deleting a function's secrets. Values are sealed here (store/secret-box.ts)
// before the store sees them, and never leave this file but sealed: answers carry names and
// times only. No HTTP here: inputs are validated values, failures are ApiErrors.
import { SECRET_LIMITS, secretEntryBytes, type SecretInfo, type SecretList } from "../../core/contract";
import { ApiError, envSecretConflict } from "../errors";
import type { SecretBox } from "../store/secret-box";
import type { SecretFailure, SecretResult, SecretStore } from "../store/secret-store";

export interface SecretServiceDeps {
  secrets: SecretStore;
  secretBox: SecretBox | null;
  /** Tell the watch hub a change committed (edge nodes get the function again). */
  watch: { changed(): Promise<void> };
}

/** A function by id, or by name (resolved to its id first). */
export type FunctionRef = { id: string } | { name: string };

export type SecretService = ReturnType<typeof createSecretService>;

export const SECRETS_DISABLED = new ApiError(
  409,
  "secrets_disabled",
  "secrets are disabled on this control plane: start it with --secrets-key-file FILE (or EDGE_CONTROL_SECRETS_KEY_FILE), a file holding 32 random bytes as hex or base64 (openssl rand -hex 32 > secrets.key)",
);

export function createSecretService({ secrets, secretBox, watch }: SecretServiceDeps) {
  function box(): SecretBox {
    if (!secretBox) throw SECRETS_DISABLED;
    return secretBox;
  }

  async function idOf(ref: FunctionRef): Promise<string> {
    box();
    if ("id" in ref) return ref.id;
    const id = await secrets.functionIdByName(ref.name);
    if (!id) throw ApiError.notFound(`no function named "${ref.name}"`);
    return id;
  }

  return {
    async list(ref: FunctionRef): Promise<SecretList> {
      const id = await idOf(ref);
      return { secrets: unwrapSecret(await secrets.list(id), ref) };
    },

    async get(ref: FunctionRef, key: string): Promise<SecretInfo> {
      const id = await idOf(ref);
      return unwrapSecret(await secrets.get(id, key), ref);
    },

    /** `created`: the function had no secret of that name. */
    async put(ref: FunctionRef, key: string, value: string): Promise<{ created: boolean; info: SecretInfo }> {
      const id = await idOf(ref);
      const sealed = box().seal(id, key, value);
      const result = unwrapSecret(
        await secrets.put(id, key, sealed, secretEntryBytes(key, value), {
          entries: SECRET_LIMITS.entries,
          jsonBytes: SECRET_LIMITS.jsonBytes,
        }),
        ref,
      );
      void watch.changed();
      return result;
    },

    async remove(ref: FunctionRef, key: string): Promise<void> {
      const id = await idOf(ref);
      unwrapSecret(await secrets.delete(id, key), ref);
      void watch.changed();
    },
  };
}

/** A secret store failure -> the ApiError a caller sees; never with a value in it. */
function unwrapSecret<T>(result: SecretResult<T>, ref: FunctionRef): T {
  if (result.ok) return result.value;
  const failure: SecretFailure = result;
  const fn = "id" in ref ? `with id "${ref.id}"` : `named "${ref.name}"`;
  switch (failure.reason) {
    case "not_found":
      throw ApiError.notFound(`no function ${fn}`);
    case "secret_not_found":
      throw new ApiError(404, "secret_not_found", `the function ${fn} has no secret ${failure.key}`);
    case "env_has_key":
      throw envSecretConflict(failure.key, "env", "key");
    case "too_many":
      throw ApiError.invalid(
        "value",
        `would make ${failure.entries} secrets of ${failure.jsonBytes.toLocaleString("en-US")} bytes as JSON; a function has at most ${SECRET_LIMITS.entries}, ${SECRET_LIMITS.jsonBytes.toLocaleString("en-US")} bytes (1 MiB) in all`,
        "secrets_too_large",
      );
  }
}
