// What the MetadataStore contract suites (and other tests that fill a store directly) share: the
// backend a suite runs against, and a create that must succeed (tests/helpers/function-spec.ts).
import type { FunctionSpec } from "../../core/contract";
import { functionSpec } from "../helpers/function-spec";
import type { MetadataStore } from "../../control/store/metadata-store";

export interface StoreFixture {
  store: MetadataStore;
  cleanup(): void | Promise<void>;
}

export const SHA_A = "a".repeat(64);
export const SHA_B = "b".repeat(64);

export async function created(store: MetadataStore, name: string, overrides: Partial<FunctionSpec> = {}) {
  const result = await store.createFunction(functionSpec(name, overrides));
  if (!result.ok) throw new Error(`create ${name}: ${result.reason}`);
  return result.value;
}
