// Compiled WebAssembly modules are large outside the JS heap, and dropping one does not make
// the collector run: they stay resident until a full collection. Whoever drops modules asks for
// one: at most once per DELAY_MS per thread, or at the next turn once COLLECT_AFTER_BYTES have
// been dropped since the last one. The byte bound matters when a cache churns: time-paced
// collections alone left hundreds of MiB of dead modules resident. 8 MiB trades a little sync
// time for RSS (docs/performance.md, "Memory: collections nothing else prompts").

const DELAY_MS = 1000;
export const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

/** The pacing on its own, so a test can watch it without depending on when the engine collects. */
export function pacedCollector(
  gc: () => void,
  delayMs = DELAY_MS,
  afterBytes = COLLECT_AFTER_BYTES,
): (bytes?: number) => void {
  let pending: ReturnType<typeof setTimeout> | null = null;
  let soon: ReturnType<typeof setImmediate> | null = null;
  let dropped = 0;
  const collect = (): void => {
    if (pending) clearTimeout(pending);
    if (soon) clearImmediate(soon);
    pending = null;
    soon = null;
    dropped = 0;
    gc();
  };
  return (bytes = 0) => {
    dropped += bytes;
    if (dropped >= afterBytes) {
      soon ??= setImmediate(collect);
      return;
    }
    if (pending) return;
    pending = setTimeout(collect, delayMs);
    pending.unref?.();
  };
}

/** `bytes`: the estimated memory just dropped (0 when unknown). One pacing per thread. */
export const collectSoon = pacedCollector(() => Bun.gc(true));
