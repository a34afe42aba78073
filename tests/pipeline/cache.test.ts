import { describe, expect, test } from "bun:test";
import { cacheKey, PIPELINE_VERSION, PreparedModuleCache, prepareModuleCached } from "../../core/pipeline/index.ts";
import { wat } from "../fixtures/wat.ts";
import { LIMITS } from "./harness.ts";

const sha = (n: number) => n.toString(16).padStart(64, "0");
const moduleWithPages = (pages: number) => wat(`(module (memory ${pages}) (func (export "handle")))`);

describe("prepared module cache", () => {
  test("a hit returns the same result without preparing again", () => {
    const cache = new PreparedModuleCache();
    const bytes = moduleWithPages(1);
    const first = cache.prepare(bytes, LIMITS, sha(1));
    // Different bytes under the same hash: only the cache can answer with the first result.
    const second = cache.prepare(new Uint8Array([1, 2, 3]), LIMITS, sha(1));
    expect(second).toBe(first);
    expect(first.ok).toBe(true);
  });

  test("the key includes the limits, the pipeline version and the options that change the output", () => {
    expect(cacheKey(sha(1), LIMITS)).not.toBe(cacheKey(sha(1), { ...LIMITS, memoryPages: 17 }));
    expect(cacheKey(sha(1), LIMITS)).not.toBe(cacheKey(sha(1), { ...LIMITS, entrypoint: "main" }));
    expect(cacheKey(sha(1), LIMITS)).toContain(String(PIPELINE_VERSION));
    // The options that change the output: every export kept, the reset entry added.
    expect(cacheKey(sha(1), LIMITS)).not.toBe(cacheKey(sha(1), LIMITS, { keepAllExports: true }));
    expect(cacheKey(sha(1), LIMITS)).not.toBe(cacheKey(sha(1), LIMITS, { resetEntry: true }));
    expect(cacheKey(sha(1), LIMITS, { verifyOutput: false })).toBe(cacheKey(sha(1), LIMITS));
    const cache = new PreparedModuleCache();
    const bytes = moduleWithPages(10);
    expect(cache.prepare(bytes, { ...LIMITS, memoryPages: 4 }, sha(2)).ok).toBe(false);
    expect(cache.prepare(bytes, { ...LIMITS, memoryPages: 16 }, sha(2)).ok).toBe(true);
    expect(cache.size).toBe(2);
  });

  test("rejections are cached too", () => {
    const cache = new PreparedModuleCache();
    const r = cache.prepare(new Uint8Array([1, 2, 3]), LIMITS, sha(3));
    expect(r.ok).toBe(false);
    expect(cache.prepare(moduleWithPages(1), LIMITS, sha(3))).toBe(r);
  });

  test("bounded by entries, least recently used first", () => {
    const cache = new PreparedModuleCache({ maxEntries: 2 });
    const bytes = moduleWithPages(1);
    const a = cache.prepare(bytes, LIMITS, sha(10));
    cache.prepare(bytes, LIMITS, sha(11));
    cache.prepare(bytes, LIMITS, sha(10)); // a is now the most recent
    cache.prepare(bytes, LIMITS, sha(12)); // evicts 11
    expect(cache.size).toBe(2);
    expect(cache.prepare(new Uint8Array(0), LIMITS, sha(10))).toBe(a);
    expect(cache.prepare(new Uint8Array(0), LIMITS, sha(11)).ok).toBe(false);
  });

  test("bounded by bytes held", () => {
    const bytes = moduleWithPages(1);
    const size = new PreparedModuleCache().prepare(bytes, LIMITS, sha(0));
    if (!size.ok) throw new Error("expected ok");
    const cache = new PreparedModuleCache({ maxBytes: size.bytes.length * 2 + 1 });
    for (let i = 0; i < 5; i++) cache.prepare(bytes, LIMITS, sha(20 + i));
    expect(cache.size).toBe(2);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  test("prepareModuleCached works through the default cache", () => {
    const bytes = moduleWithPages(1);
    const a = prepareModuleCached(bytes, LIMITS, sha(99));
    expect(prepareModuleCached(bytes, LIMITS, sha(99))).toBe(a);
  });
});
