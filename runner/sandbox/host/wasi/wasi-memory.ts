// Guest memory as WASI calls use it: a pointer outside memory is the guest's error, answered
// with EFAULT (WasiFault, caught by the call's wrapper in wasi-imports.ts), never a host crash.
// i64 values cross as BigInt.

/** Thrown by a call to answer an errno at once (EFAULT for a bad pointer). */
export class WasiFault extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}

const FAULT = 21;
const INVAL = 28;
/** Most iovecs one call may pass (POSIX's IOV_MAX): a host loop over them is not interruptible. */
export const MAX_IOVECS = 1024;

export class WasiMemory {
  private view: DataView = new DataView(new ArrayBuffer(0));
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(private readonly memory: WebAssembly.Memory | null) {}

  /** Bytes [ptr, ptr+len) of memory, a view; EFAULT if any is outside it. */
  slice(ptr: number, len: number): Uint8Array {
    const start = ptr >>> 0;
    const length = len >>> 0;
    const bytes = this.current();
    if (start + length > bytes.byteLength) throw new WasiFault(FAULT);
    return bytes.subarray(start, start + length);
  }

  u8(ptr: number): number {
    this.slice(ptr, 1);
    return this.view.getUint8(ptr >>> 0);
  }

  u16(ptr: number): number {
    this.slice(ptr, 2);
    return this.view.getUint16(ptr >>> 0, true);
  }

  u32(ptr: number): number {
    this.slice(ptr, 4);
    return this.view.getUint32(ptr >>> 0, true);
  }

  u64(ptr: number): bigint {
    this.slice(ptr, 8);
    return this.view.getBigUint64(ptr >>> 0, true);
  }

  setU8(ptr: number, value: number): void {
    this.slice(ptr, 1);
    this.view.setUint8(ptr >>> 0, value);
  }

  setU16(ptr: number, value: number): void {
    this.slice(ptr, 2);
    this.view.setUint16(ptr >>> 0, value, true);
  }

  setU32(ptr: number, value: number): void {
    this.slice(ptr, 4);
    this.view.setUint32(ptr >>> 0, value >>> 0, true);
  }

  setU64(ptr: number, value: bigint): void {
    this.slice(ptr, 8);
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, value), true);
  }

  /** The (buf, len) pairs of an iovec array, each checked to lie in memory. */
  iovecs(iovs: number, count: number): Uint8Array[] {
    const n = count >>> 0;
    if (n > MAX_IOVECS) throw new WasiFault(INVAL);
    this.slice(iovs, n * 8);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) parts.push(this.slice(this.u32(iovs + i * 8), this.u32(iovs + i * 8 + 4)));
    return parts;
  }

  private current(): Uint8Array {
    if (!this.memory) return this.bytes;
    // Growing memory detaches the old buffer.
    if (this.bytes.buffer !== this.memory.buffer || this.bytes.byteLength === 0) {
      this.bytes = new Uint8Array(this.memory.buffer);
      this.view = new DataView(this.memory.buffer);
    }
    return this.bytes;
  }
}
