// The functions the pool has loaded, by key, and which workers were sent each. A new version
// gets a new handle, so a job sent after the swap never runs the old one in a worker that has
// not read the swap yet (a job can overtake a message); workers holding the old one swap it now.
import { newPoolFunction, type PoolFunction } from "./pool-function";
import type { LoadedFunction } from "./protocol";
import { RunCost } from "./run-cost";
import { post, type Slot } from "./worker-slot";

export class FunctionRegistry {
  private readonly byKey = new Map<string, PoolFunction>();
  private nextHandle = 1;
  /** Sum over functions of the workers holding each. */
  held = 0;

  constructor(
    private readonly maxSlots: number,
    private readonly defaultConcurrency: number,
    private readonly slowMemoryMs: number | undefined,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): PoolFunction | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<PoolFunction> {
    return this.byKey.values();
  }

  load(fn: LoadedFunction, slots: readonly Slot[]): void {
    const cap = fn.maxConcurrency ?? this.defaultConcurrency;
    const prior = this.byKey.get(fn.key);
    if (!prior) {
      const cost = new RunCost(this.slowMemoryMs);
      this.byKey.set(fn.key, newPoolFunction(this.nextHandle++, fn, this.maxSlots, cap, cost));
      return;
    }
    // Jobs still sent for the old handle run the new version.
    const replaces = prior.handle;
    prior.handle = this.nextHandle++;
    prior.fn = fn;
    prior.cap = cap;
    for (const slot of slots)
      if (prior.on[slot.index]) post(slot, { type: "load", handle: prior.handle, fn, replaces });
  }

  /** Forgets the function and tells the workers holding it to drop it; the caller ends its queued jobs. */
  unload(key: string, slots: readonly Slot[]): PoolFunction | undefined {
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    this.byKey.delete(key);
    entry.unloaded = true;
    for (const slot of slots) {
      if (!entry.on[slot.index]) continue;
      entry.on[slot.index] = 0;
      this.held--;
      post(slot, { type: "unload", handle: entry.handle, estimatedBytes: entry.fn.estimatedBytes ?? 0 });
    }
    return entry;
  }

  /** Sends the function to the worker with its first job there. */
  sendTo(entry: PoolFunction, slot: Slot): void {
    if (entry.on[slot.index]) return;
    entry.on[slot.index] = 1;
    this.held++;
    post(slot, { type: "load", handle: entry.handle, fn: entry.fn });
  }

  /** A replacement worker starts empty: what the old one held is gone with it. */
  emptied(index: number): void {
    for (const entry of this.byKey.values()) {
      this.held -= entry.on[index]!;
      entry.on[index] = 0;
    }
  }
}
