import { describe, expect, test } from "bun:test";
import { ByteReader } from "../../core/pipeline/byte-reader.ts";
import { ByteWriter } from "../../core/pipeline/byte-writer.ts";
import { PipelineRejection } from "../../core/pipeline/rejections.ts";

function roundTripU32(v: number): number {
  const w = new ByteWriter(1);
  w.u32(v);
  const r = new ByteReader(w.finish());
  const out = r.u32();
  r.expectEnd();
  return out;
}

function roundTripS32(v: number): number {
  const w = new ByteWriter(1);
  w.s32(v);
  const r = new ByteReader(w.finish());
  const out = r.s32();
  r.expectEnd();
  return out;
}

function rejects(bytes: number[], read: (r: ByteReader) => unknown): string {
  try {
    read(new ByteReader(new Uint8Array(bytes)));
  } catch (e) {
    if (e instanceof PipelineRejection) return e.rejection.code;
    throw e;
  }
  return "accepted";
}

describe("LEB128", () => {
  test("u32 and s32 round-trip at the edges", () => {
    for (const v of [0, 1, 63, 64, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1])
      expect(roundTripU32(v)).toBe(v);
    for (const v of [0, 1, -1, 63, 64, -64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31)]) expect(roundTripS32(v)).toBe(v);
  });

  test("known encodings", () => {
    expect(new ByteReader(new Uint8Array([0xe5, 0x8e, 0x26])).u32()).toBe(624485);
    expect(new ByteReader(new Uint8Array([0xc0, 0xbb, 0x78])).s32()).toBe(-123456);
    expect(new ByteReader(new Uint8Array([0x40])).s33()).toBe(-64);
    // Padded encodings are valid.
    expect(new ByteReader(new Uint8Array([0x81, 0x80, 0x80, 0x80, 0x00])).u32()).toBe(1);
  });

  test("too long, too wide or cut short", () => {
    expect(rejects([0x80, 0x80, 0x80, 0x80, 0x80, 0x00], (r) => r.u32())).toBe("malformed");
    expect(rejects([0xff, 0xff, 0xff, 0xff, 0x1f], (r) => r.u32())).toBe("malformed");
    expect(rejects([0xff, 0xff, 0xff, 0xff, 0x0f], (r) => r.u32())).toBe("accepted");
    expect(rejects([0x80, 0x80], (r) => r.u32())).toBe("truncated");
    expect(rejects(new Array(10).fill(0x80).concat([0]), (r) => r.skipS64())).toBe("malformed");
  });

  test("sized regions compact their length prefix", () => {
    const w = new ByteWriter(4);
    const mark = w.beginSized();
    for (let i = 0; i < 200; i++) w.u8(i);
    w.endSized(mark);
    const out = w.finish();
    expect(out.length).toBe(202);
    expect([...out.subarray(0, 3)]).toEqual([0xc8, 0x01, 0]);
    expect(out[201]).toBe(199);
  });
});
