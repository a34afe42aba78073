// A single-producer, single-consumer byte ring in shared memory: how invocations and results
// cross between the main thread and a worker without a structured clone (which costs tens of
// microseconds per message here). Records are [u32 length][payload], 4-byte aligned; a record
// that would not fit before the end is preceded by a wrap marker and written at offset 0.
//
// Header (Int32): [WRITE] next write offset, [READ] next read offset, [SEQ] bumped on every
// publish, [SLEEPING] set while the consumer waits. Waking a waiting thread costs far more than
// a record, so the producer notifies only when the consumer says it sleeps: under load neither
// side sleeps and no notification is sent at all.

const WRITE = 0;
const READ = 1;
const SEQ = 2;
const SLEEPING = 3;
const HEADER_BYTES = 16;
const WRAP = 0xffffffff;

export function createRing(capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + align(capacity));
}

function align(n: number): number {
  return (n + 3) & ~3;
}

class RingView {
  protected readonly header: Int32Array;
  protected readonly bytes: Uint8Array;
  protected readonly words: DataView;
  protected readonly capacity: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buffer, HEADER_BYTES);
    this.words = new DataView(buffer, HEADER_BYTES);
    this.capacity = this.bytes.byteLength;
  }

  /** Releases a waiting consumer whatever it waits for: the producer goes away, or has mail for it. */
  interrupt(): void {
    Atomics.add(this.header, SEQ, 1);
    Atomics.notify(this.header, SEQ);
  }
}

export class RingWriter extends RingView {
  private pending = -1;
  private pendingEnd = 0;

  /** The largest payload a record may have; callers send bigger ones another way. */
  get maxPayload(): number {
    return (this.capacity >> 2) - 4;
  }

  /**
   * Reserves room for a payload of `size` bytes and returns where to write it in `bytes`,
   * or -1 when the ring is full for now. Call commit() after writing.
   */
  reserve(size: number): number {
    if (size > this.maxPayload) return -1;
    const need = align(4 + size);
    const write = Atomics.load(this.header, WRITE);
    const read = Atomics.load(this.header, READ);
    let at = -1;
    if (write >= read) {
      if (this.capacity - write >= need && !(read === 0 && write + need === this.capacity)) at = write;
      else if (read > need) {
        // Not enough room before the end: mark the rest as skipped and start over at 0.
        if (this.capacity - write >= 4) this.words.setUint32(write, WRAP, true);
        at = 0;
      }
    } else if (read - write > need) at = write;
    if (at < 0) return -1;
    this.words.setUint32(at, size, true);
    this.pending = at;
    this.pendingEnd = at + need;
    return at + 4;
  }

  /**
   * Publishes the reserved record (without waking the consumer: see wake()). `size` is the payload length
   * actually written when it came out shorter than reserved (strings are reserved at their
   * worst-case UTF-8 length).
   */
  commit(size?: number): void {
    if (this.pending < 0) return;
    if (size !== undefined) {
      this.words.setUint32(this.pending, size, true);
      this.pendingEnd = this.pending + align(4 + size);
    }
    Atomics.store(this.header, WRITE, this.pendingEnd === this.capacity ? 0 : this.pendingEnd);
    this.pending = -1;
    Atomics.add(this.header, SEQ, 1);
  }

  /** Wakes the consumer if it sleeps; a no-op (one atomic load) when it is busy. */
  wake(): void {
    if (Atomics.load(this.header, SLEEPING) !== 0) Atomics.notify(this.header, SEQ);
  }

  get view(): Uint8Array {
    return this.bytes;
  }

  get data(): DataView {
    return this.words;
  }
}

export class RingReader extends RingView {
  private current = -1;
  private currentEnd = 0;

  /** Offset of the next record's payload in `view` (its length via `length`), or -1 if none. */
  next(): number {
    let read = Atomics.load(this.header, READ);
    const write = Atomics.load(this.header, WRITE);
    if (read === write) return -1;
    if (this.capacity - read < 4 || this.words.getUint32(read, true) === WRAP) {
      read = 0;
      if (read === write) return -1;
    }
    const size = this.words.getUint32(read, true);
    this.current = read;
    this.currentEnd = read + align(4 + size);
    this.length = size;
    return read + 4;
  }

  length = 0;

  /**
   * Resolves when a record may be available: null at once if one is, else a promise. The order
   * (read SEQ, find nothing, say SLEEPING, re-read SEQ) pairs with the producer's (publish, bump
   * SEQ, read SLEEPING), so a record published meanwhile is never slept through.
   */
  sleep(): Promise<unknown> | null {
    const seen = Atomics.load(this.header, SEQ);
    if (!this.empty()) return null;
    Atomics.store(this.header, SLEEPING, 1);
    if (Atomics.load(this.header, SEQ) !== seen || !this.empty()) {
      Atomics.store(this.header, SLEEPING, 0);
      return null;
    }
    const wait = Atomics.waitAsync(this.header, SEQ, seen);
    if (!wait.async) {
      Atomics.store(this.header, SLEEPING, 0);
      return null;
    }
    return wait.value.then(() => Atomics.store(this.header, SLEEPING, 0));
  }

  /**
   * Blocks this thread (a worker's; the main thread may not block) for up to `ms` until a record
   * may be available. Waking a thread blocked here costs the producer ~1.5 µs; waking one
   * waiting with waitAsync (sleep()) costs it ~50 µs in Bun 1.4.
   */
  sleepSync(ms: number): void {
    const seen = Atomics.load(this.header, SEQ);
    if (!this.empty()) return;
    Atomics.store(this.header, SLEEPING, 1);
    if (Atomics.load(this.header, SEQ) === seen && this.empty()) Atomics.wait(this.header, SEQ, seen, ms);
    Atomics.store(this.header, SLEEPING, 0);
  }

  empty(): boolean {
    return Atomics.load(this.header, READ) === Atomics.load(this.header, WRITE);
  }

  /** Frees the record returned by next(); its bytes may be overwritten after this. */
  release(): void {
    if (this.current < 0) return;
    Atomics.store(this.header, READ, this.currentEnd === this.capacity ? 0 : this.currentEnd);
    this.current = -1;
  }

  get view(): Uint8Array {
    return this.bytes;
  }

  get data(): DataView {
    return this.words;
  }
}
