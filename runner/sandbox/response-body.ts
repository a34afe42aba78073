// The response body a guest writes, as one growing buffer. Many tiny response_write calls then
// cost amortised copies, not an object each: a guest writing a byte at a time can't turn its
// 16 MiB allowance into gigabytes of per-chunk bookkeeping.

const INITIAL_BYTES = 1024;

export class ResponseBody {
  private buffer: Uint8Array | null = null;
  length = 0;

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

  /** The written bytes (a view; the builder is not used after this), or null if none. */
  bytes(): Uint8Array | null {
    return this.buffer && this.length > 0 ? this.buffer.subarray(0, this.length) : null;
  }
}
