// Watching the edge node of the saturation scenario (saturation.reliability.ts) between and
// during its phases: until it runs and queues nothing, and its largest RSS.
import { sample as metricSample } from "../../helpers/metrics-text";
import type { ServerProcess } from "../../helpers/server-process";

/**
 * Waits (at most `limitMs`) until the node runs and queues nothing, so that the next phase starts
 * on an idle node even when requests a client gave up on are still queued there. Returns the
 * seconds waited, or NaN when it never went idle.
 */
export async function drained(proc: ServerProcess, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const text = await (await fetch(`${proc.url}/metrics`, { signal: AbortSignal.timeout(limitMs) })).text();
    const busy = metricSample(text, "wasm_pool_busy_workers");
    const queued = metricSample(text, "wasm_queue_depth");
    if (busy === undefined || queued === undefined)
      throw new Error(
        "the node's /metrics has no wasm_pool_busy_workers or wasm_queue_depth: saturation.reliability.ts waits on them between phases",
      );
    if (busy === 0 && queued === 0) return (performance.now() - started) / 1000;
    await Bun.sleep(50);
  }
  return NaN;
}

/** Samples the node's RSS until stopped; returns the largest seen (MiB). */
export function rssWatch(proc: ServerProcess): () => Promise<number> {
  let max = proc.rssMb();
  let on = true;
  const loop = (async () => {
    while (on) {
      max = Math.max(max, proc.rssMb());
      await Bun.sleep(200);
    }
  })();
  return async () => {
    on = false;
    await loop;
    return max;
  };
}
