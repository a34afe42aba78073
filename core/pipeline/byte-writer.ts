// A growable output buffer. Sized regions (sections, function bodies) reserve 5 bytes for
// their length and are compacted in place when closed, so nothing is encoded twice.

import { u32Size, writeS32, writeU32 } from "./leb128.ts";

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(byte: number): void {
    this.ensure(1);
    this.buf[this.length++] = byte;
  }

  u32(value: number): void {
    this.ensure(5);
    this.length = writeU32(this.buf, this.length, value);
  }

  s32(value: number): void {
    this.ensure(5);
    this.length = writeS32(this.buf, this.length, value);
  }

  /** Copies `src[start, end)`. */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    const buf = this.buf;
    if (n < 64) {
      // Most copies are the few bytes between two patch points: a loop beats creating a view.
      let at = this.length;
      for (let i = start; i < end; i++) buf[at++] = src[i];
    } else {
      buf.set(src.subarray(start, end), this.length);
    }
    this.length += n;
  }

  bytes(src: Uint8Array): void {
    this.copy(src, 0, src.length);
  }

  name(text: string): void {
    const encoded = new TextEncoder().encode(text);
    this.u32(encoded.length);
    this.bytes(encoded);
  }

  /** Cuts [at, at + count) out of what is written so far. */
  remove(at: number, count: number): void {
    this.buf.copyWithin(at, at + count, this.length);
    this.length -= count;
  }

  /** Starts a region prefixed by its u32 byte length; pass the mark to endSized. */
  beginSized(): number {
    this.ensure(5);
    const mark = this.length;
    this.length += 5;
    return mark;
  }

  endSized(mark: number): void {
    const contentStart = mark + 5;
    const size = this.length - contentStart;
    const lebLen = u32Size(size);
    writeU32(this.buf, mark, size);
    if (lebLen < 5) {
      this.buf.copyWithin(mark + lebLen, contentStart, this.length);
      this.length -= 5 - lebLen;
    }
  }

  /** A copy of the bytes written from `start` on (before any sized region around them is closed). */
  since(start: number): Uint8Array {
    return this.buf.slice(start, this.length);
  }

  /** The written bytes, as a fresh exactly-sized array. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
