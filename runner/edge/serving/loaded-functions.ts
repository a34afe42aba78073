// The deployments loaded in the worker pool, and the requests running on each. This is what
// makes a deploy drain: a deployment that is no longer routed (or whose module the cache let
// go) is unloaded only when its last running request has finished, so a request that started
// on the old version ends on it, and no request is sent to a function that is gone.
import type { Logger } from "../../../core/observe/log";
import type { FunctionTarget } from "../../http/invoke-handler";
import type { InvocationLimits } from "../../sandbox/limits";
import type { LoadedFunction } from "../../sandbox/protocol";
import { COMPILED_COST_FACTOR, type CompiledModule } from "../../../core/module/compile-module";
import type { ModuleCache } from "../modules/module-cache";
import type { Deployment } from "./deployment";

/** The part of WorkerPool this needs. */
export interface FunctionHost {
  load(fn: LoadedFunction): void;
  unload(key: string): void;
}

export interface Lease {
  target: FunctionTarget;
  release(): void;
}

export type LoadResult = { ok: true } | { ok: false; reason: string };

interface Entry {
  deployment: Deployment;
  target: FunctionTarget;
  compiled: CompiledModule;
  running: number;
  /** False once retired or evicted: no new requests; unloaded when `running` reaches 0. */
  servable: boolean;
}

export class LoadedFunctions {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<LoadResult>>();

  constructor(
    private readonly host: FunctionHost,
    private readonly modules: ModuleCache,
    private readonly limits: Omit<InvocationLimits, "maxExecutionMs">,
    private readonly logger: Logger,
  ) {}

  get count(): number {
    return this.entries.size;
  }

  /** Gets the module (cache, disk or control plane) and loads it into the pool; idempotent. */
  load(deployment: Deployment): Promise<LoadResult> {
    const entry = this.entries.get(deployment.poolKey);
    if (entry?.servable) return Promise.resolve({ ok: true });
    if (entry) {
      // Still in the pool, draining: take it back instead of compiling it again.
      entry.servable = true;
      this.modules.readmit(deployment.moduleKey, entry.compiled);
      return Promise.resolve({ ok: true });
    }
    const running = this.loading.get(deployment.poolKey);
    if (running) return running;
    const result = this.loadNew(deployment).finally(() => this.loading.delete(deployment.poolKey));
    this.loading.set(deployment.poolKey, result);
    return result;
  }

  /**
   * For a deploy: load `deployment` while the module cache has room for it (estimated from the
   * artifact's size, beside the other prefetches running), else only verify it (verify()):
   * its first request compiles it from the disk, as after an eviction. Compiling past the bound
   * evicts modules just compiled: a node syncing 1,000 x 128 KiB functions into a cache that
   * holds ~130 compiled ~870 of them only to drop them. A function being served (its `previous`
   * version loaded) gets its new version compiled regardless: a deploy must not give it a cold start.
   */
  prefetch(deployment: Deployment, previous: Deployment | undefined): Promise<LoadResult> {
    const hot = previous !== undefined && this.entries.get(previous.poolKey)?.servable === true;
    if (hot || this.entries.has(deployment.poolKey) || this.modules.has(deployment.moduleKey))
      return this.load(deployment);
    const estimate = (deployment.source.artifact?.size ?? 0) * COMPILED_COST_FACTOR;
    if (!this.modules.reserve(estimate)) return this.modules.verify(deployment);
    return this.load(deployment).finally(() => this.modules.unreserve(estimate));
  }

  /** A request starts on `deployment`; null when it is not loaded (load it, then ask again). */
  acquire(deployment: Deployment): Lease | null {
    const entry = this.entries.get(deployment.poolKey);
    if (!entry?.servable) return null;
    this.modules.touch(deployment.moduleKey);
    entry.running++;
    let released = false;
    return {
      target: entry.target,
      release: () => {
        if (released) return;
        released = true;
        entry.running--;
        if (entry.running === 0 && !entry.servable) this.unload(entry);
      },
    };
  }

  /** Unload every deployment not in `keep` once its requests have finished. */
  retainOnly(keep: (poolKey: string) => boolean): void {
    for (const entry of this.entries.values()) if (!keep(entry.deployment.poolKey)) this.release(entry);
  }

  /** Unload one deployment once its requests have finished. */
  letGo(poolKey: string): void {
    const entry = this.entries.get(poolKey);
    if (entry) this.release(entry);
  }

  /** The module left the cache: deployments running it unload once idle, and load again on demand. */
  evicted(moduleKey: string): void {
    for (const entry of this.entries.values()) if (entry.deployment.moduleKey === moduleKey) this.release(entry);
  }

  private async loadNew(deployment: Deployment): Promise<LoadResult> {
    const module = await this.modules.get(deployment);
    if (!module.ok) return module;
    const target = {
      key: deployment.poolKey,
      name: deployment.name,
      maxBodyBytes: deployment.maxBodyBytes,
      runtime: deployment.runtime,
      routes: deployment.routes,
    };
    this.host.load({
      key: deployment.poolKey,
      name: deployment.name,
      module: module.compiled.module,
      runtime: deployment.runtime,
      entrypoint: deployment.entrypoint,
      memory: module.compiled.memory,
      reusable: module.compiled.reusable,
      env: { ...deployment.env },
      maxConcurrency: deployment.maxConcurrency ?? undefined,
      limits: { ...this.limits, maxExecutionMs: deployment.maxExecutionMs },
      estimatedBytes: module.compiled.cost,
    });
    this.entries.set(deployment.poolKey, { deployment, target, compiled: module.compiled, running: 0, servable: true });
    this.logger.log("debug", "function loaded", {
      function: deployment.name,
      version: deployment.version,
      key: deployment.poolKey,
    });
    return { ok: true };
  }

  private release(entry: Entry): void {
    entry.servable = false;
    if (entry.running === 0) this.unload(entry);
  }

  private unload(entry: Entry): void {
    if (this.entries.get(entry.deployment.poolKey) !== entry) return;
    this.entries.delete(entry.deployment.poolKey);
    this.host.unload(entry.deployment.poolKey);
    this.logger.log("debug", "function unloaded", {
      function: entry.deployment.name,
      version: entry.deployment.version,
      key: entry.deployment.poolKey,
    });
  }
}
