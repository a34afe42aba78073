// Where function secrets live, sealed: the store never sees a value in clear (the secrets
// feature seals them with store/secret-box.ts before they come here). Each write is one
// transaction that also moves the function's change row, so edge nodes get the function again
// (with its secrets) like after any other change.
import type { SecretInfo } from "../../core/contract";

export interface SealedSecret {
  functionId: string;
  key: string;
  sealed: Uint8Array;
}

export type SecretFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "secret_not_found"; key: string }
  /** The function has an env variable of that name. */
  | { ok: false; reason: "env_has_key"; key: string }
  /** Another secret would pass the function's bounds (count or size). */
  | { ok: false; reason: "too_many"; entries: number; jsonBytes: number };

export type SecretResult<T> = { ok: true; value: T } | SecretFailure;

export interface SecretLimits {
  entries: number;
  jsonBytes: number;
}

export interface SecretStore {
  /** The id of the function of that name, or null. */
  functionIdByName(name: string): Promise<string | null>;
  /** Names and times, by name. */
  list(functionId: string): Promise<SecretResult<SecretInfo[]>>;
  get(functionId: string, key: string): Promise<SecretResult<SecretInfo>>;
  /**
   * Sets one secret (`jsonBytes`: its entry's size in the secrets' JSON). Refused when the
   * function has an env key of that name, or the secrets would pass `limits`.
   */
  put(
    functionId: string,
    key: string,
    sealed: Uint8Array,
    jsonBytes: number,
    limits: SecretLimits,
  ): Promise<SecretResult<{ created: boolean; info: SecretInfo }>>;
  delete(functionId: string, key: string): Promise<SecretResult<SecretInfo>>;
  /** How many secrets there are, of how many functions. */
  count(): Promise<{ secrets: number; functions: number }>;
  /** Every sealed secret, a row at a time (the start-up check of the key). */
  sealedAll(): AsyncIterable<SealedSecret>;
  close(): void;
}
