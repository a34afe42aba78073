// A function as the API would create it from just a name (the contract's defaults and default
// routes), for tests and benchmarks that fill a MetadataStore directly.
import { defaultRoutes, FUNCTION_DEFAULTS, type FunctionSpec } from "../../core/contract";

export function functionSpec(name: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    name,
    ...FUNCTION_DEFAULTS,
    max_concurrency: null,
    max_body_bytes: null,
    env: {},
    routes: defaultRoutes(name),
    ...overrides,
  };
}
