import { GuestFault } from "./guest-fault";

/**
 * Bounds-checked access to a guest's linear memory. Pointers and lengths arrive as i32 and are
 * read as unsigned, so a "negative" length is a huge one and fails the bounds check.
 * The view is refreshed whenever the guest grows memory (growing detaches the old buffer).
 */
export class GuestMemory {
  private view: Uint8Array;

  constructor(readonly memory: WebAssembly.Memory) {
    this.view = new Uint8Array(memory.buffer);
  }

  bytes(): Uint8Array {
    if (this.view.byteLength === 0 || this.view.buffer !== this.memory.buffer)
      this.view = new Uint8Array(this.memory.buffer);
    return this.view;
  }

  /** A view (not a copy) of [ptr, ptr+len); traps when any byte is outside memory. */
  slice(ptr: number, len: number): Uint8Array {
    const start = ptr >>> 0;
    const length = len >>> 0;
    const mem = this.bytes();
    if (start + length > mem.byteLength) {
      throw new GuestFault(
        "trap",
        `out-of-bounds guest memory access: [${start}, +${length}) outside ${mem.byteLength} bytes`,
      );
    }
    return mem.subarray(start, start + length);
  }

  string(ptr: number, len: number): string {
    return decoder.decode(this.slice(ptr, len));
  }

  /** The getter convention: copy min(N, cap) bytes to buf and return N (cap 0 only asks N). */
  copyOut(buf: number, cap: number, data: Uint8Array): number {
    const n = Math.min(data.byteLength, cap >>> 0);
    const target = this.slice(buf, cap);
    if (n > 0) target.set(n === data.byteLength ? data : data.subarray(0, n));
    return data.byteLength;
  }
}

const decoder = new TextDecoder();
