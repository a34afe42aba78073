// Preparing is deterministic, so a result is reused for the same input bytes, limits and
// pipeline version. Bounded by entry count and by the bytes of prepared output held.

import { ByteLru } from "../cache/byte-lru.ts";
import { PIPELINE_VERSION, prepareModule, type PipelineLimits, type PrepareOptions, type PrepareResult } from "./prepare.ts";

export interface PreparedCacheOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

/** What the output depends on: the input, the limits, the pipeline version, whether every export is kept and whether the reset entry is added. */
export function cacheKey(sha256hex: string, limits: PipelineLimits, options?: PrepareOptions): string {
  return JSON.stringify([sha256hex, limits.memoryPages, limits.entrypoint, PIPELINE_VERSION, options?.keepAllExports === true, options?.resetEntry === true]);
}

function resultBytes(result: PrepareResult): number {
  return result.ok ? result.bytes.length : result.rejection.message.length;
}

/** LRU over prepareModule. Results are shared: treat returned bytes as read-only. */
export class PreparedModuleCache {
  private readonly lru: ByteLru<PrepareResult>;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(options: PreparedCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 256;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.lru = new ByteLru<PrepareResult>(this.maxBytes, undefined, { maxEntries: this.maxEntries });
  }

  /** `sha256hex` must be the SHA-256 of `input`; the cache trusts it and does not rehash. */
  prepare(input: Uint8Array, limits: PipelineLimits, sha256hex: string, options?: PrepareOptions): PrepareResult {
    const key = cacheKey(sha256hex, limits, options);
    const hit = this.lru.get(key);
    if (hit) return hit;
    const result = prepareModule(input, limits, options);
    const size = resultBytes(result);
    if (size <= this.maxBytes) this.lru.set(key, result, size);
    return result;
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.cost;
  }

  clear(): void {
    this.lru.clear();
  }
}

const defaultCache = new PreparedModuleCache();

/** prepareModule through a process-wide cache (256 entries / 256 MiB). */
export function prepareModuleCached(input: Uint8Array, limits: PipelineLimits, sha256hex: string, options?: PrepareOptions): PrepareResult {
  return defaultCache.prepare(input, limits, sha256hex, options);
}
