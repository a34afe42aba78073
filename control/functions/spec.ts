// A function's settings as a create or PUT states them: defaults filled in, checked, and compared
// with a stored record. No HTTP and no store here.
import {
  FUNCTION_DEFAULTS,
  RUNTIME_DEFAULTS,
  LIMITS,
  defaultRoutes,
  envJsonBytes,
  unservableRoute,
  type FunctionRecord,
  type FunctionSpec,
} from "../../core/contract";
import { ApiError } from "../errors";
import type { CreateFunctionBody, UpdateFunctionBody } from "./model";

/** The whole spec a create or PUT body states: absent fields take their defaults, some the runtime's. */
export function specOf(body: CreateFunctionBody): FunctionSpec {
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
  return spec;
}

/** The fields of `spec` that differ from `current`, or null when none does (env in any key order). */
export function differences(current: FunctionRecord, spec: FunctionSpec): Partial<FunctionSpec> | null {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(spec) as (keyof FunctionSpec)[]) {
    const same =
      key === "env"
        ? sameEnv(current.env, spec.env)
        : key === "routes"
          ? current.routes.length === spec.routes.length && current.routes.every((r, i) => r === spec.routes[i])
          : (current[key] ?? null) === (spec[key] ?? null);
    if (!same) patch[key] = spec[key];
  }
  return Object.keys(patch).length === 0 ? null : (patch as Partial<FunctionSpec>);
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/**
 * A change of runtime moves the settings still at the old runtime's defaults to the new one's
 * (entrypoint handle -> _start, 16 -> 128 pages) unless the patch sets them: kept, every upload
 * of a WASI program was refused for not exporting "handle", with advice to write a main function.
 */
export function followRuntime(current: FunctionRecord, patch: UpdateFunctionBody): UpdateFunctionBody {
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
export function changesLimits(patch: UpdateFunctionBody): boolean {
  return patch.memory_pages !== undefined || patch.entrypoint !== undefined || patch.runtime !== undefined;
}

/** Routes a node could never serve are refused (422): a function registered there would never answer. */
export function checkRoutes(routes: readonly string[] | undefined, defaultFor?: string): void {
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
export function checkEnvSize(env: Record<string, string> | undefined): void {
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
