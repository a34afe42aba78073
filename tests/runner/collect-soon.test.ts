// Dropped compiled modules are only freed by a collection; collectSoon paces those by time and,
// when a cache churns, by the bytes dropped. Observed through weak references: an object
// dropped before the call is gone once a collection ran.
import { expect, test } from "bun:test";
import { collectSoon, pacedCollector } from "../../runner/sandbox/collect-soon";

/** In their own frame, so no local keeps the targets alive (the stack is scanned conservatively). */
function droppedObjects(): WeakRef<object>[] {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < 50; i++) refs.push(new WeakRef({ payload: new Uint8Array(1024) }));
  return refs;
}

/** Whether a collection freed (most of) what was dropped before `ask`, within `ms`. */
async function collectedWithin(ms: number, ask: () => void): Promise<boolean> {
  const refs = droppedObjects();
  // A new job: targets of WeakRefs made in this one are kept until it ends.
  await Bun.sleep(1);
  ask();
  const until = performance.now() + ms;
  for (;;) {
    if (refs.filter((r) => r.deref() === undefined).length > refs.length / 2) return true;
    if (performance.now() > until) return false;
    await Bun.sleep(5);
  }
}

test("dropping many bytes collects at the next turn, not after the delay", async () => {
  expect(await collectedWithin(200, () => collectSoon(64 * 1024 * 1024))).toBe(true);
});

// Whether nothing collects within some time is up to the engine too (other tests allocate in
// this process), so the pacing itself is checked with a counting collector.
test("dropping a little waits for the delay; dropping much collects at the next turn", async () => {
  let collections = 0;
  const soon = pacedCollector(() => collections++, 100, 1000);
  soon(10);
  soon(10);
  await new Promise((resolve) => setImmediate(resolve));
  expect(collections).toBe(0);
  await Bun.sleep(150);
  expect(collections).toBe(1);
  soon(600);
  soon(600);
  await new Promise((resolve) => setImmediate(resolve));
  expect(collections).toBe(2);
  // The byte count starts over after a collection.
  soon(600);
  await new Promise((resolve) => setImmediate(resolve));
  expect(collections).toBe(2);
  await Bun.sleep(150);
  expect(collections).toBe(3);
});
