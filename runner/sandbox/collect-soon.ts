// Compiled WebAssembly modules are large outside the JS heap, and dropping one does not make
// the collector run: measured here, 300 dropped 225 KB modules stayed resident (+560 MiB) until
// a full collection. Whoever drops modules asks for one, at most once per DELAY_MS per thread.

const DELAY_MS = 1000;
let pending: ReturnType<typeof setTimeout> | null = null;

export function collectSoon(): void {
  if (pending) return;
  pending = setTimeout(() => {
    pending = null;
    Bun.gc(true);
  }, DELAY_MS);
  pending.unref?.();
}
