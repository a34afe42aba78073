// Creating a WebAssembly.Memory costs ~25 µs here (far more once the engine's fast memories
// run out, see lifecycle/engine-options.ts), instantiating against a reused one ~6 µs,
// so each worker keeps zeroed memories for reuse. A memory an invocation grew is never reused:
// its size would leak across invocations and a shrink is impossible.

const PAGE = 65536;
const KEEP_PER_SHAPE = 4;
/**
 * Zeroing runs inside the invocation's time budget (~16 µs per MiB): a 1 GiB memory would take
 * ~0.4 s and keep a gigabyte resident per worker. Larger memories are created fresh instead.
 */
const MAX_POOLED_BYTES = 16 * 1024 * 1024;

export class MemoryPool {
  private free = new Map<string, WebAssembly.Memory[]>();

  /** `dropped`: told the size of every memory let go, which only a collection frees. */
  constructor(private readonly dropped: (bytes: number) => void = () => {}) {}

  take(minPages: number, maxPages: number): WebAssembly.Memory {
    const stack = this.free.get(shapeKey(minPages, maxPages));
    return stack?.pop() ?? new WebAssembly.Memory({ initial: minPages, maximum: maxPages });
  }

  give(memory: WebAssembly.Memory, minPages: number, maxPages: number): void {
    if (memory.buffer.byteLength !== minPages * PAGE || memory.buffer.byteLength > MAX_POOLED_BYTES)
      return this.drop(memory);
    const key = shapeKey(minPages, maxPages);
    let stack = this.free.get(key);
    if (!stack) this.free.set(key, (stack = []));
    if (stack.length >= KEEP_PER_SHAPE) return this.drop(memory);
    new Uint8Array(memory.buffer).fill(0);
    stack.push(memory);
  }

  /** Lets go of a memory that is not given back (its invocation failed, say). */
  drop(memory: WebAssembly.Memory): void {
    this.dropped(memory.buffer.byteLength);
  }

  /** Drops memories of shapes no loaded function uses any more. */
  retain(shapes: Iterable<{ minPages: number; maxPages: number }>): void {
    const keep = new Set([...shapes].map((s) => shapeKey(s.minPages, s.maxPages)));
    for (const key of this.free.keys()) if (!keep.has(key)) this.free.delete(key);
  }
}

function shapeKey(minPages: number, maxPages: number): string {
  return `${minPages}/${maxPages}`;
}
