// A module is accepted only if the runner's own pipeline would accept it under the function's
// limits, so a version that uploads is a version the edge can serve.
import { prepareModule } from "../../runner/pipeline";
import type { FunctionRecord } from "../contract";
import { ApiError } from "../errors";

/**
 * Throws ApiError 422 with the pipeline's rejection code and message, prefixed by `what`
 * ("module rejected", "version 3 would be rejected under the new limits").
 */
export function checkModule(bytes: Uint8Array, fn: Pick<FunctionRecord, "memory_pages" | "entrypoint">, what: string, field?: string): void {
  const result = prepareModule(bytes, { memoryPages: fn.memory_pages, entrypoint: fn.entrypoint });
  if (!result.ok) throw new ApiError(422, result.rejection.code, `${what}: ${result.rejection.message}`, field);
}
