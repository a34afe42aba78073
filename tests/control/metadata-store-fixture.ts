// What the MetadataStore contract suites (and other tests that fill a store directly) share: the
// backend a suite runs against, a function spec with the API's defaults, and a create that must succeed.
import type { FunctionSpec } from "../../core/contract";
import type { MetadataStore } from "../../control/store/metadata-store";

export interface StoreFixture {
  store: MetadataStore;
  cleanup(): void;
}

export const SHA_A = "a".repeat(64);
export const SHA_B = "b".repeat(64);

export function spec(name: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    max_concurrency: null,
    max_body_bytes: null,
    env: {},
    routes: [`/${name}`, `/${name}/*`],
    ...overrides,
  };
}

export async function created(store: MetadataStore, name: string, overrides: Partial<FunctionSpec> = {}) {
  const result = await store.createFunction(spec(name, overrides));
  if (!result.ok) throw new Error(`create ${name}: ${result.reason}`);
  return result.value;
}
