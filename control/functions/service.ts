// Registering, reading, changing and removing functions. No HTTP here: inputs are validated
// values, failures are ApiErrors.
import {
  FUNCTION_DEFAULTS,
  RUNTIME_DEFAULTS,
  LIMITS,
  defaultRoutes,
  envJsonBytes,
  unservableRoute,
  type FunctionRecord,
} from "../../core/contract";
import { ApiError, unwrap } from "../errors";
import type { ArtifactStore } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { basisOf, checkedCommit } from "../module-check/checked-commit";
import { checkModule } from "../module-check/module-check";
import type { CreateFunctionBody, FunctionList, UpdateFunctionBody } from "./model";

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

  return {
    get,

    async create(body: CreateFunctionBody): Promise<FunctionRecord> {
      checkEnvSize(body.env);
      const runtime = body.runtime ?? FUNCTION_DEFAULTS.runtime;
      const spec = {
        name: body.name,
        entrypoint: body.entrypoint ?? RUNTIME_DEFAULTS[runtime].entrypoint,
        runtime,
        memory_pages: body.memory_pages ?? RUNTIME_DEFAULTS[runtime].memory_pages,
        max_execution_ms: body.max_execution_ms ?? FUNCTION_DEFAULTS.max_execution_ms,
        max_concurrency: body.max_concurrency ?? null,
        max_body_bytes: body.max_body_bytes ?? null,
        env: body.env ?? {},
        routes: body.routes ?? defaultRoutes(body.name),
      };
      checkRoutes(spec.routes, body.routes === undefined ? body.name : undefined);
      return unwrap(await metadata.createFunction(spec), body.name);
    },

    async list(limit: number, cursor: string | undefined): Promise<FunctionList> {
      const page = await metadata.listFunctions({ limit, after: cursor });
      return { functions: page.items, next_cursor: page.next };
    },

    async update(id: string, patch: UpdateFunctionBody): Promise<FunctionRecord> {
      // The schema says minProperties: 1, but Elysia lets an empty object through.
      if (Object.keys(patch).length === 0) throw ApiError.invalid("body", "must name at least one field to change");
      checkRoutes(patch.routes);
      checkEnvSize(patch.env);
      const limitsChange = changesLimits(patch);
      return checkedCommit(async () => {
        const current = await get(id);
        const change = followRuntime(current, patch);
        await checkActiveVersion(current, change);
        // New limits were checked against this active version: the store refuses them if another one became active meanwhile.
        return metadata.updateFunction(id, change, limitsChange ? basisOf(current) : undefined);
      }, id);
    },

    async remove(id: string): Promise<void> {
      unwrap(await metadata.deleteFunction(id), id);
    },
  };
}

/**
 * A change of runtime moves the settings still at the old runtime's defaults to the new one's
 * (entrypoint handle -> _start, 16 -> 128 pages) unless the patch sets them: kept, every upload
 * of a WASI program was refused for not exporting "handle", with advice to write a main function.
 */
function followRuntime(current: FunctionRecord, patch: UpdateFunctionBody): UpdateFunctionBody {
  if (patch.runtime === undefined || patch.runtime === current.runtime) return patch;
  const from = RUNTIME_DEFAULTS[current.runtime];
  const to = RUNTIME_DEFAULTS[patch.runtime];
  const change = { ...patch };
  if (change.entrypoint === undefined && current.entrypoint === from.entrypoint) change.entrypoint = to.entrypoint;
  if (change.memory_pages === undefined && current.memory_pages === from.memory_pages)
    change.memory_pages = to.memory_pages;
  return change;
}

/** Whether `patch` changes what a module is checked under. */
function changesLimits(patch: UpdateFunctionBody): boolean {
  return patch.memory_pages !== undefined || patch.entrypoint !== undefined || patch.runtime !== undefined;
}

/** Routes a node could never serve are refused (422): a function registered there would never answer. */
function checkRoutes(routes: readonly string[] | undefined, defaultFor?: string): void {
  if (routes === undefined) return;
  if (routes.length === 0)
    throw ApiError.invalid("routes", "must name at least one path: a function without routes is never served");
  routes.forEach((route, i) => {
    const why = unservableRoute(route);
    if (why)
      throw ApiError.invalid(
        `routes.${i}`,
        `${route} ${why}${defaultFor ? ` (a default route of the name "${defaultFor}"; give routes)` : ""}`,
      );
  });
}

/**
 * The whole env, as JSON in UTF-8, within LIMITS.envJsonBytes: one function must always fit in
 * one watch message to the edge nodes.
 */
function checkEnvSize(env: Record<string, string> | undefined): void {
  if (env === undefined) return;
  const bytes = envJsonBytes(env);
  if (bytes > LIMITS.envJsonBytes) {
    throw ApiError.invalid(
      "env",
      `is ${bytes.toLocaleString("en-US")} bytes as JSON (names and values, quoted, in UTF-8); at most ${LIMITS.envJsonBytes.toLocaleString("en-US")} (1 MiB) in all`,
      "env_too_large",
    );
  }
}
