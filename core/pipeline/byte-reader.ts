// A cursor over the input with absolute offsets, so every error can name the byte where it
// happened. `end` is the end of the enclosing section or body: running past it is malformed,
// running past the end of the whole input is truncation.

import { readSigned, readU32, readU64, skipLeb, type LebCursor } from "./leb128.ts";
import { reject } from "./rejections.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class ByteReader implements LebCursor {
  pos: number;
  end: number;
  /** What is being read, for error messages ("import section"). */
  context = "module";
  /** The function whose body is being read, or -1; kept as a number to avoid a string per body. */
  func = -1;

  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
    end = bytes.length,
  ) {
    this.pos = pos;
    this.end = end;
  }

  /** Names what is being read: "function 3" or the context. */
  where(): string {
    return this.func >= 0 ? `function ${this.func}` : this.context;
  }

  overrun(what: string): never {
    if (this.end >= this.bytes.length) reject("truncated", { what: `${what} in ${this.where()}`, offset: this.pos });
    return reject("malformed", { what: `${what} in ${this.where()} runs past its end`, offset: this.pos });
  }

  malformed(what: string, offset = this.pos): never {
    return reject("malformed", { what: `${what} in ${this.where()}`, offset });
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.overrun("a byte");
    return this.bytes[this.pos++];
  }

  u32(): number {
    return readU32(this);
  }

  s32(): number {
    return readSigned(this, 32);
  }

  s33(): number {
    return readSigned(this, 33);
  }

  u64(): number {
    return readU64(this);
  }

  skipS64(): void {
    skipLeb(this, 10);
  }

  skip(n: number): void {
    if (n > this.end - this.pos) this.overrun(`${n} bytes`);
    this.pos += n;
  }

  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.skip(len);
    try {
      return utf8.decode(this.bytes.subarray(start, start + len));
    } catch {
      return this.malformed("a name is not valid UTF-8", start);
    }
  }

  /** Skips a name without decoding it (for debug names, whose text never matters here). */
  skipName(): void {
    this.skip(this.u32());
  }

  /** Requires that exactly everything up to `end` was consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) this.malformed(`${this.end - this.pos} unexpected bytes after the contents`);
  }
}
