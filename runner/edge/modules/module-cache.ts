// Compiled modules by SHA-256 (and the limits the pipeline applied), least recently used first
// out, bounded by --cache-mb of estimated cost. A miss reads the verified artifact (disk, else
// the control plane) and compiles it; concurrent misses of one module compile it once.
import type { ArtifactRef, ArtifactSource } from "../artifacts/verified-artifacts";
import type { RuntimeName } from "../../../core/abi/runtimes";
import { collectSoon } from "../../sandbox/collect-soon";
import { ByteLru } from "../../../core/cache/byte-lru";
import { inlineWork, type ArtifactWork } from "../../../core/module/offload/artifact-work";
import { compileModule, type CompiledModule } from "../../../core/module/compile-module";

export interface ModuleRef extends ArtifactRef {
  /** sha256:memory_pages:entrypoint:runtime — the pipeline's output depends on all four. */
  moduleKey: string;
  memoryPages: number;
  entrypoint: string;
  runtime: RuntimeName;
}

export type ModuleResult = { ok: true; compiled: CompiledModule } | { ok: false; reason: string };

export interface ModuleCacheObserver {
  moduleCacheHit(): void;
  moduleCacheMiss(): void;
  moduleCacheEviction(): void;
}

export function moduleKeyOf(sha256: string, memoryPages: number, entrypoint: string, runtime: RuntimeName): string {
  return `${sha256}:${memoryPages}:${entrypoint}:${runtime}`;
}

export class ModuleCache {
  private readonly lru: ByteLru<CompiledModule>;
  private readonly compiling = new Map<string, Promise<ModuleResult>>();
  /** Estimated cost of the prefetches compiling now (reserve()). */
  private reserved = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly artifacts: ArtifactSource,
    private readonly observer: ModuleCacheObserver,
    /** A module left the cache: whoever runs it should let it go once idle. */
    onEvict: (moduleKey: string) => void,
    private readonly work: ArtifactWork = inlineWork,
  ) {
    this.lru = new ByteLru<CompiledModule>(maxBytes, (key, compiled) => {
      observer.moduleCacheEviction();
      onEvict(key);
      collectSoon(compiled.cost);
    });
  }

  get stats(): { modules: number; bytes: number } {
    return { modules: this.lru.size, bytes: this.lru.cost };
  }

  /** Whether `moduleKey` is compiled and cached now. */
  has(moduleKey: string): boolean {
    return this.lru.get(moduleKey) !== undefined;
  }

  /**
   * Room for a module of about `cost` beside those cached and those being prefetched (the
   * first always fits); reserved until unreserve() if so.
   */
  reserve(cost: number): boolean {
    const used = this.lru.cost + this.reserved;
    if (used > 0 && used + cost > this.maxBytes) return false;
    this.reserved += cost;
    return true;
  }

  unreserve(cost: number): void {
    this.reserved -= cost;
  }

  /**
   * Everything a miss would do short of compiling: the artifact from disk or the control plane,
   * verified and kept on disk, and the pipeline's verdict. For deployments prefetched while the
   * cache is full: their first request compiles them, from the disk, as after an eviction.
   */
  async verify(ref: ModuleRef): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (this.lru.get(ref.moduleKey)) return { ok: true };
    const artifact = await this.artifacts.get(ref);
    if (!artifact.ok) return artifact;
    const prepared = await this.work.prepare(artifact.bytes, {
      memoryPages: ref.memoryPages,
      entrypoint: ref.entrypoint,
    });
    if (!prepared.ok)
      return { ok: false, reason: `module rejected (${prepared.rejection.code}): ${prepared.rejection.message}` };
    // Both byte arrays are garbage now: a sync verifying hundreds of modules would otherwise
    // leave them resident until the collector gets round to them.
    collectSoon(artifact.bytes.byteLength + prepared.bytes.byteLength);
    return { ok: true };
  }

  /** The compiled module, from the cache or compiled now. */
  async get(ref: ModuleRef): Promise<ModuleResult> {
    const cached = this.lru.get(ref.moduleKey);
    if (cached) {
      this.observer.moduleCacheHit();
      return { ok: true, compiled: cached };
    }
    const running = this.compiling.get(ref.moduleKey);
    if (running) return running;
    this.observer.moduleCacheMiss();
    const result = this.compile(ref).finally(() => this.compiling.delete(ref.moduleKey));
    this.compiling.set(ref.moduleKey, result);
    return result;
  }

  /** A request is about to use a module it holds: counts a hit and keeps it recent. False if evicted. */
  touch(moduleKey: string): boolean {
    if (this.lru.get(moduleKey) === undefined) return false;
    this.observer.moduleCacheHit();
    return true;
  }

  /** Puts back a module that was evicted but is still loaded (it is in use; compiling it again would waste the work). */
  readmit(moduleKey: string, compiled: CompiledModule): void {
    this.observer.moduleCacheHit();
    this.lru.set(moduleKey, compiled, compiled.cost);
  }

  private async compile(ref: ModuleRef): Promise<ModuleResult> {
    const artifact = await this.artifacts.get(ref);
    if (!artifact.ok) return artifact;
    const result = await compileModule(
      artifact.bytes,
      { memoryPages: ref.memoryPages, entrypoint: ref.entrypoint, runtime: ref.runtime },
      this.work,
    );
    if (!result.ok) return { ok: false, reason: `module rejected (${result.code}): ${result.message}` };
    this.lru.set(ref.moduleKey, result.compiled, result.compiled.cost);
    return result;
  }
}
