// The response body a guest writes, as one growing buffer. Many tiny response_write calls then
// cost amortised copies, not an object each: a guest writing a byte at a time can't turn its
// 16 MiB allowance into gigabytes of per-chunk bookkeeping.

const INITIAL_BYTES = 1024;
/**
 * A worker reuses one body buffer up to this size across invocations (its bytes are copied into
 * the results ring before the next one starts); a bigger one is dropped after use.
 */
const RETAIN_BYTES = 64 * 1024;

export class ResponseBody {
  private buffer: Uint8Array | null = null;
  length = 0;

  /** Empties the body for the next invocation, keeping a small buffer (none that was handed away). */
  reset(): void {
    this.length = 0;
    const size = this.buffer?.byteLength ?? 0;
    if (!(size > 0 && size <= RETAIN_BYTES)) this.buffer = null;
  }

  append(bytes: Uint8Array): void {
    const needed = this.length + bytes.byteLength;
    if (!this.buffer || needed > this.buffer.byteLength) {
      let size = Math.max(this.buffer?.byteLength ?? 0, INITIAL_BYTES);
      while (size < needed) size *= 2;
      const grown = new Uint8Array(size);
      if (this.buffer) grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.length);
    this.length = needed;
  }

  /**
   * The written bytes, or null if none: a view of the reused buffer, valid until the next
   * reset(); a buffer too big to keep is handed over with it.
   */
  bytes(): Uint8Array | null {
    if (!this.buffer || this.length === 0) return null;
    const bytes = this.buffer.subarray(0, this.length);
    if (this.buffer.byteLength > RETAIN_BYTES) this.buffer = null;
    return bytes;
  }
}
