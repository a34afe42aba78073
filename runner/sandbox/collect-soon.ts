// Compiled WebAssembly modules are large outside the JS heap, and dropping one does not make
// the collector run: measured here, 300 dropped 225 KB modules stayed resident (+560 MiB) until
// a full collection. Whoever drops modules asks for one: at most once per DELAY_MS per thread,
// or at the next turn once COLLECT_AFTER_BYTES have been dropped since the last one. The byte
// bound matters when a cache churns: an edge node compiling 140 modules of 2 MiB a second left
// ~280 MiB of dead modules resident between time-paced collections. Measured with
// `bun bench/many-functions.ts 1000 128` (1,000 functions of 128 KiB, default --cache-mb 256):
// RSS after one request to each 657 MiB time-paced, 409 MiB at 32 MiB, 379 MiB at 16 MiB
// (sync 7.0 s -> 8.2 s: the price of the extra collections while thrashing). Later, with
// more of the node around it, 16 MiB measured 395-401 MiB (3 runs) and 8 MiB 375-385 MiB,
// the one request to each function taking 4.5-4.7 s instead of 4.1: kept at 8 for the margin.

const DELAY_MS = 1000;
export const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

/** The pacing on its own, so a test can watch it without depending on when the engine collects. */
export function pacedCollector(gc: () => void, delayMs = DELAY_MS, afterBytes = COLLECT_AFTER_BYTES): (bytes?: number) => void {
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
