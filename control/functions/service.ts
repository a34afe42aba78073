// Registering, reading, changing and removing functions, by id or by name. No HTTP here: inputs
// are validated values, failures are ApiErrors.
import type { FunctionRecord } from "../../core/contract";
import { ApiError, MAX_CHECKS, unwrap } from "../errors";
import type { ArtifactStore } from "../store/artifact-store";
import { functionEtag } from "../store/function-etag";
import type { IfMatch, MetadataStore } from "../store/metadata-store";
import type { Precondition } from "../record-headers";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { basisOf, checkedCommit } from "../module-check/checked-commit";
import { checkModule } from "../module-check/module-check";
import type { CreateFunctionBody, FunctionList, PutFunctionBody, UpdateFunctionBody } from "./model";
import { changesLimits, checkEnvSize, checkRoutes, differences, followRuntime, specOf } from "./spec";

export interface FunctionServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  work: ArtifactWork;
}

export type FunctionService = ReturnType<typeof createFunctionService>;

export function createFunctionService({ metadata, artifacts, work }: FunctionServiceDeps) {
  async function get(id: string): Promise<FunctionRecord> {
    const fn = await metadata.getFunction(id);
    if (!fn) throw ApiError.notFound(`no function with id "${id}"`);
    return fn;
  }

  async function getByName(name: string): Promise<FunctionRecord> {
    const fn = await metadata.getFunctionByName(name);
    if (!fn) throw ApiError.notFound(`no function named "${name}"`);
    return fn;
  }

  /** A new memory cap, entrypoint or runtime must still accept the active version, or the edge could not serve it. */
  async function checkActiveVersion(current: FunctionRecord, patch: UpdateFunctionBody): Promise<void> {
    if (current.active_version === null || !changesLimits(patch)) return;
    const version = await metadata.getVersion(current.id, current.active_version);
    const blob = version && (await artifacts.get(version.sha256));
    if (!blob)
      throw new ApiError(
        500,
        "artifact_missing",
        `the artifact of active version ${current.active_version} is missing from the store`,
      );
    const limits = {
      memory_pages: patch.memory_pages ?? current.memory_pages,
      entrypoint: patch.entrypoint ?? current.entrypoint,
      runtime: patch.runtime ?? current.runtime,
    };
    await checkModule(
      work,
      await blob.bytes(),
      limits,
      `active version ${current.active_version} would be rejected under the new settings`,
    );
  }

  /** 412 now when the record as read already fails the caller's If-Match (the store checks again at commit). */
  function checkPrecondition(current: FunctionRecord, precondition: Precondition): void {
    if (precondition === undefined || precondition === "*") return;
    if (!precondition.includes(functionEtag(current))) throw ApiError.preconditionFailed(`function "${current.name}"`);
  }

  async function update(id: string, patch: UpdateFunctionBody, precondition?: Precondition): Promise<FunctionRecord> {
    // The schema says minProperties: 1, but Elysia lets an empty object through.
    if (Object.keys(patch).length === 0) throw ApiError.invalid("body", "must name at least one field to change");
    checkRoutes(patch.routes);
    checkEnvSize(patch.env);
    const limitsChange = changesLimits(patch);
    return checkedCommit(async () => {
      const current = await get(id);
      checkPrecondition(current, precondition);
      const change = followRuntime(current, patch);
      await checkActiveVersion(current, change);
      // New limits were checked against this active version: the store refuses them if another one became active meanwhile.
      return metadata.updateFunction(id, change, limitsChange ? basisOf(current) : undefined, tags(precondition));
    }, id);
  }

  /**
   * PUT by name: creates the function, or changes it to exactly `spec`, or leaves it alone when
   * it already is (no new revision). Each change is made against the record it was computed
   * from (its ETag), so a concurrent change makes it compute again; after MAX_CHECKS rounds 409.
   */
  async function put(
    name: string,
    body: PutFunctionBody,
    precondition?: Precondition,
  ): Promise<{ record: FunctionRecord; created: boolean }> {
    const spec = specOf({ ...body, name });
    for (let round = 1; ; round++) {
      const last = round === MAX_CHECKS;
      const current = await metadata.getFunctionByName(name);
      if (!current) {
        if (precondition !== undefined) throw ApiError.preconditionFailed(`function "${name}" (there is none now)`);
        const result = await metadata.createFunction(spec);
        if (result.ok) return { record: result.value, created: true };
        // Created by someone else meanwhile: the next round compares with theirs.
        if (result.reason !== "name_taken" || last) unwrap(result, name);
        continue;
      }
      checkPrecondition(current, precondition);
      const patch = differences(current, spec);
      if (!patch) return { record: current, created: false };
      await checkActiveVersion(current, patch);
      const limits = changesLimits(patch) ? basisOf(current) : undefined;
      const result = await metadata.updateFunction(current.id, patch, limits, [functionEtag(current)]);
      if (result.ok) return { record: result.value, created: false };
      const raced = ["precondition_failed", "changed_since_check", "not_found"].includes(result.reason);
      if (!raced) unwrap(result, current.id);
      // The caller's ETag matched the record this round read, which has changed since.
      if (Array.isArray(precondition)) throw ApiError.preconditionFailed(`function "${name}"`);
      if (last) unwrap({ ok: false, reason: "changed_since_check" }, name);
    }
  }

  return {
    get,
    getByName,
    update,
    put,

    async create(body: CreateFunctionBody): Promise<FunctionRecord> {
      return unwrap(await metadata.createFunction(specOf(body)), body.name);
    },

    async list(limit: number, cursor: string | undefined, name?: string): Promise<FunctionList> {
      if (name !== undefined) {
        const fn = await metadata.getFunctionByName(name);
        const functions = fn && (cursor === undefined || fn.id > cursor) ? [fn] : [];
        return { functions, next_cursor: null };
      }
      const page = await metadata.listFunctions({ limit, after: cursor });
      return { functions: page.items, next_cursor: page.next };
    },

    async remove(id: string, precondition?: Precondition): Promise<void> {
      unwrap(await metadata.deleteFunction(id, tags(precondition)), id);
    },
  };
}

/** What the store compares: `*` holds for any record, so the store need not. */
function tags(precondition: Precondition): IfMatch | undefined {
  return precondition === "*" ? undefined : precondition;
}
