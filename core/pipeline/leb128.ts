// LEB128 as WebAssembly uses it. Decoding works on a cursor so hot loops read values without
// allocating; encoders write into a caller's buffer and return the next position.

export interface LebCursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;
  /** Called when a value runs past `end`. */
  overrun(what: string): never;
  /** Called when the bytes cannot be a valid encoding. */
  malformed(what: string): never;
}

/** Unsigned 32-bit: at most 5 bytes, and the 5th may only use the low 4 bits. */
export function readU32(c: LebCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos >= c.end) c.overrun("an integer");
    const byte = b[pos++];
    if (i === 4 && byte > 0x0f)
      c.malformed(byte & 0x80 ? "a 32-bit integer is longer than 5 bytes" : "a 32-bit integer has too many bits");
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      c.pos = pos;
      return result >>> 0;
    }
    shift += 7;
  }
  return c.malformed("a 32-bit integer is longer than 5 bytes");
}

/**
 * Signed LEB of `bits` bits (32 for i32.const, 33 for block types). The value is returned
 * as a JS number; the engine checks the unused high bits, we only need the length right.
 */
export function readSigned(c: LebCursor, bits: 32 | 33): number {
  const b = c.bytes;
  let pos = c.pos;
  let result = 0;
  let mul = 1;
  const maxBytes = Math.ceil(bits / 7);
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= c.end) c.overrun("an integer");
    const byte = b[pos++];
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) {
      if (byte & 0x40) result -= mul;
      c.pos = pos;
      return result;
    }
  }
  return c.malformed(`a ${bits}-bit integer is longer than ${maxBytes} bytes`);
}

/** Skips a LEB of at most `maxBytes` bytes (10 for i64, 10 for u64 memory limits). */
export function skipLeb(c: LebCursor, maxBytes: number): void {
  const b = c.bytes;
  let pos = c.pos;
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= c.end) c.overrun("an integer");
    if ((b[pos++] & 0x80) === 0) {
      c.pos = pos;
      return;
    }
  }
  c.malformed(`an integer is longer than ${maxBytes} bytes`);
}

/** Unsigned 64-bit as a number; exact up to 2^53, which covers every page count. */
export function readU64(c: LebCursor): number {
  const b = c.bytes;
  let pos = c.pos;
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= c.end) c.overrun("an integer");
    const byte = b[pos++];
    result += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) {
      c.pos = pos;
      return result;
    }
  }
  return c.malformed("a 64-bit integer is longer than 10 bytes");
}

export function u32Size(value: number): number {
  let v = value >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

export function writeU32(buf: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

export function writeS32(buf: Uint8Array, pos: number, value: number): number {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    buf[pos++] = done ? byte : byte | 0x80;
    if (done) return pos;
  }
}
