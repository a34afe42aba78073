// A module is accepted only if the runner's own pipeline would accept it under the function's
// limits, so a version that uploads is a version the edge can serve. The check (pipeline and
// engine validation, ~70 ms per 2 MiB) runs on the offload thread for large modules: the
// control plane keeps answering the API and its nodes' watch streams meanwhile.
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import type { FunctionRecord } from "../../core/contract";
import { ApiError } from "../errors";

/**
 * Throws ApiError 422 with the pipeline's rejection code and message, prefixed by `what`
 * ("module rejected", "version 3 would be rejected under the new limits").
 */
export async function checkModule(
  work: ArtifactWork,
  bytes: Uint8Array,
  fn: Pick<FunctionRecord, "memory_pages" | "entrypoint" | "runtime">,
  what: string,
  field?: string,
): Promise<void> {
  const rejection = await work.check(bytes, {
    memoryPages: fn.memory_pages,
    entrypoint: fn.entrypoint,
    runtime: fn.runtime,
  });
  if (rejection) throw new ApiError(422, rejection.code, `${what}: ${rejection.message}`, field);
}
