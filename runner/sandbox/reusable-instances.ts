// Instances a worker keeps between requests, for modules the pipeline made reusable
// (core/pipeline/reset-entry.ts). A new instance costs ~3 µs of a hello-world request's ~4 µs in a
// worker, and 5-6 µs under load; restoring one costs what zeroing its memory costs, which a new
// instance pays too (memory-pool.ts zeroes every memory it takes back).
//
// What the guest could tell apart from a new instance, and how each is put back:
// - memory contents: zeroed, then the bytes the memory held right after instantiation (the
//   data segments: a reusable module has no start section) written back;
// - memory size: an instance whose memory grew is dropped, never kept;
// - globals: the entrypoint export sets them to their initial values, then runs the start
//   function (the pipeline's reset entry);
// - tables and segment drops: a module that could change them is not reusable.
// An invocation that ends in anything but ok drops its instance: nothing half-done is kept.
import type { LoadedFunction } from "./protocol";

const PAGE = 65536;
/** Kept instances per worker, and the bytes of memory they may hold together. */
export const MAX_KEPT_INSTANCES = 64;
const MAX_BYTES = 32 * 1024 * 1024;
/** Larger memories are not kept: restoring one costs as much as a new instance (memory-pool.ts). */
const MAX_MEMORY_BYTES = 16 * 1024 * 1024;

export interface ReusableInstance {
  readonly fn: LoadedFunction;
  readonly entry: () => unknown;
  readonly memory: WebAssembly.Memory;
  /** Bytes the memory held after instantiation, from `imageAt` on; all others were zero. */
  readonly image: Uint8Array;
  readonly imageAt: number;
  view: Uint8Array;
}

export class ReusableInstances {
  private readonly held = new Map<LoadedFunction, ReusableInstance>();
  private heldBytes = 0;
  /** Functions whose last run here ended ok. */
  private readonly lastRanOk = new WeakSet<LoadedFunction>();
  /**
   * Functions whose memory grew in a run: not kept again here. Rust's allocator, for one, asks
   * memory.grow for its heap on every request's first allocation, so such an instance would be
   * adopted (its memory scanned and copied) and dropped every time.
   */
  private readonly grows = new WeakSet<LoadedFunction>();

  /** `drop` receives each instance let go of, memory unchanged, e.g. to pool the memory. */
  constructor(private readonly drop: (memory: WebAssembly.Memory, fn: LoadedFunction) => void) {}

  /** The instance kept for `fn`, taken out until put() gives it back; undefined if none. */
  take(fn: LoadedFunction): ReusableInstance | undefined {
    const kept = this.held.get(fn);
    if (!kept) return undefined;
    this.held.delete(fn);
    this.heldBytes -= cost(kept);
    return kept;
  }

  /**
   * Whether to keep the new instance `fn` is about to run on: only when its last run here ended
   * ok. Not on its first run: a node whose functions each run once in a while (1,000 functions,
   * one request each, measured 10-15 MiB more RSS when every first run was kept) keeps nothing
   * it would not reuse. Not after a failed run: a function that keeps failing would have its
   * memory captured, then the instance dropped, every time. Never when its memory is too big to
   * keep, or grew before.
   */
  admit(fn: LoadedFunction): boolean {
    if (fn.memory.minPages * PAGE > MAX_MEMORY_BYTES || this.grows.has(fn)) return false;
    return this.lastRanOk.has(fn);
  }

  /** How a run of `fn` here ended (whatever instance it ran on). */
  ran(fn: LoadedFunction, ok: boolean): void {
    if (ok) this.lastRanOk.add(fn);
    else this.lastRanOk.delete(fn);
  }

  /** Describes a new instance of `fn`, before its first run: its memory is what restores go back to. */
  adopt(fn: LoadedFunction, entry: () => unknown, memory: WebAssembly.Memory): ReusableInstance {
    const view = new Uint8Array(memory.buffer);
    const { at, image } = nonZeroSpan(view);
    return { fn, entry, memory, image, imageAt: at, view };
  }

  /** After a run that ended ok: restores the instance and keeps it, or lets it go (for good) if its memory grew. */
  put(kept: ReusableInstance): void {
    const size = kept.memory.buffer.byteLength;
    if (size !== kept.fn.memory.minPages * PAGE) {
      this.grows.add(kept.fn);
      return this.drop(kept.memory, kept.fn);
    }
    if (size > MAX_MEMORY_BYTES) return this.drop(kept.memory, kept.fn);
    // Growing replaces the buffer; a grow by 0 pages does too, with the size unchanged.
    if (kept.view.buffer !== kept.memory.buffer) kept.view = new Uint8Array(kept.memory.buffer);
    const view = kept.view;
    const end = kept.imageAt + kept.image.byteLength;
    view.fill(0, 0, kept.imageAt);
    view.set(kept.image, kept.imageAt);
    view.fill(0, end);
    this.held.set(kept.fn, kept);
    this.heldBytes += cost(kept);
    for (const [fn, old] of this.held) {
      if (this.held.size <= MAX_KEPT_INSTANCES && this.heldBytes <= MAX_BYTES) break;
      this.held.delete(fn);
      this.heldBytes -= cost(old);
      this.drop(old.memory, fn);
    }
  }

  /** Lets go of the instances of functions no longer loaded. */
  retain(loaded: ReadonlySet<LoadedFunction>): void {
    for (const [fn, old] of this.held) {
      if (loaded.has(fn)) continue;
      this.held.delete(fn);
      this.heldBytes -= cost(old);
      this.drop(old.memory, fn);
    }
  }

  get size(): number {
    return this.held.size;
  }
}

function cost(kept: ReusableInstance): number {
  return kept.memory.buffer.byteLength + kept.image.byteLength;
}

/** The shortest span outside which every byte is zero, and a copy of it. */
function nonZeroSpan(view: Uint8Array): { at: number; image: Uint8Array } {
  // Memory sizes are whole pages, so 32-bit words cover every byte.
  const words = new Int32Array(view.buffer, view.byteOffset, view.byteLength >> 2);
  let first = 0;
  while (first < words.length && words[first] === 0) first++;
  if (first === words.length) return { at: 0, image: new Uint8Array(0) };
  let last = words.length - 1;
  while (words[last] === 0) last--;
  return { at: first * 4, image: view.slice(first * 4, (last + 1) * 4) };
}
