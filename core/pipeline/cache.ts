// Preparing is deterministic, so a result is reused for the same input bytes, limits and
// pipeline version. Bounded by entry count and by the bytes of prepared output held.

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
  private readonly entries = new Map<string, PrepareResult>();
  private heldBytes = 0;
  readonly maxEntries: number;
  readonly maxBytes: number;

  constructor(options: PreparedCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 256;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  /** `sha256hex` must be the SHA-256 of `input`; the cache trusts it and does not rehash. */
  prepare(input: Uint8Array, limits: PipelineLimits, sha256hex: string, options?: PrepareOptions): PrepareResult {
    const key = cacheKey(sha256hex, limits, options);
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const result = prepareModule(input, limits, options);
    const size = resultBytes(result);
    if (size <= this.maxBytes) {
      this.entries.set(key, result);
      this.heldBytes += size;
      this.evict();
    }
    return result;
  }

  private evict(): void {
    for (const [key, result] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.heldBytes <= this.maxBytes) return;
      this.entries.delete(key);
      this.heldBytes -= resultBytes(result);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  clear(): void {
    this.entries.clear();
    this.heldBytes = 0;
  }
}

const defaultCache = new PreparedModuleCache();

/** prepareModule through a process-wide cache (256 entries / 256 MiB). */
export function prepareModuleCached(input: Uint8Array, limits: PipelineLimits, sha256hex: string, options?: PrepareOptions): PrepareResult {
  return defaultCache.prepare(input, limits, sha256hex, options);
}
