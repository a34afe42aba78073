// One function at one version with its settings: what the node routes to and loads into the
// pool. Two deployments with the same pool key run identically, so a change that touches only
// routes keeps the loaded function; any change to code, limits, env, secrets or name loads a
// new one. The guest sees the secrets as env, after the function's own (no name is both).
import { randomBytes } from "node:crypto";
import type { DeployedFunction } from "../../../core/contract";
import { sha256Hex } from "../../../core/module/sha256";
import { moduleKeyOf, type ModuleRef } from "../modules/module-cache";

export interface Deployment extends ModuleRef {
  name: string;
  routes: readonly string[];
  maxExecutionMs: number;
  /** Null: the node's default. */
  maxConcurrency: number | null;
  /** Null: the node's --max-body-bytes; never more than it. */
  maxBodyBytes: number | null;
  /** The function's env, then its secrets. */
  env: Readonly<Record<string, string>>;
  /** The pool's key: name@version plus a digest of everything the sandbox sees (salted: see SALT). */
  poolKey: string;
  /** The record it came from, for the state file. */
  source: DeployedFunction;
}

/**
 * One per entry object: a pass looks at every function, and an unchanged entry is the same
 * object from pass to pass, so its digest (of an env of up to 1 MiB) is taken once.
 */
const made = new WeakMap<DeployedFunction, Deployment | null>();

/** null when the function has no active version: nothing to serve. */
export function deploymentOf(source: DeployedFunction): Deployment | null {
  let deployment = made.get(source);
  if (deployment === undefined) {
    deployment = makeDeployment(source);
    made.set(source, deployment);
  }
  return deployment;
}

/**
 * Random per process: the pool key is logged ("function loaded"), and an unsalted digest of the
 * env and secrets would let whoever reads the log test guesses of a secret against it. Keys only
 * need to agree within the process that made them.
 */
const SALT = randomBytes(16).toString("hex");

function makeDeployment(source: DeployedFunction): Deployment | null {
  const { function: fn, artifact, secrets } = source;
  if (!artifact) return null;
  const env = secrets && Object.keys(secrets).length > 0 ? { ...fn.env, ...secrets } : fn.env;
  const envKeys = Object.keys(env).sort();
  const digest = sha256Hex(
    new TextEncoder().encode(
      JSON.stringify([
        SALT,
        artifact.sha256,
        fn.memory_pages,
        fn.entrypoint,
        fn.max_execution_ms,
        fn.max_concurrency ?? null,
        fn.max_body_bytes ?? null,
        envKeys.map((k) => [k, env[k]]),
        // A WASI function sees its routes (SCRIPT_NAME), so a change of routes loads it again.
        ...(fn.runtime === "wasi" ? ["wasi", fn.routes] : []),
      ]),
    ),
  );
  return {
    functionId: fn.id,
    version: artifact.version,
    sha256: artifact.sha256,
    moduleKey: moduleKeyOf(artifact.sha256, fn.memory_pages, fn.entrypoint, fn.runtime),
    memoryPages: fn.memory_pages,
    entrypoint: fn.entrypoint,
    runtime: fn.runtime,
    name: fn.name,
    routes: fn.routes,
    maxExecutionMs: fn.max_execution_ms,
    maxConcurrency: fn.max_concurrency ?? null,
    maxBodyBytes: fn.max_body_bytes ?? null,
    env,
    poolKey: `${fn.name}@${artifact.version}:${digest.slice(0, 16)}`,
    source,
  };
}
