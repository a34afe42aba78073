// The value types the pipeline understands. GC and typed-reference types are rejected by
// name because their encodings carry extra bytes the walker would otherwise misread.

import type { ByteReader } from "./byte-reader.ts";
import { reject } from "./rejections.ts";

const NAMES: Readonly<Record<number, string>> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};

/** 1 for every supported value type byte, for the walker's hot path. */
export const IS_VALTYPE = new Uint8Array(256);
for (const byte of Object.keys(NAMES)) IS_VALTYPE[Number(byte)] = 1;

export const I32 = 0x7f;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

function valTypeName(byte: number): string {
  return NAMES[byte] ?? `0x${byte.toString(16).padStart(2, "0")}`;
}

export function rejectType(byte: number, where: string, offset: number): never {
  return reject("unsupported_type", { type: valTypeName(byte), where, offset });
}

/** Reads one value type byte; `where` names the place for the error (default: the reader's). */
export function readValType(r: ByteReader, where?: string): number {
  const offset = r.pos;
  const byte = r.u8();
  if (IS_VALTYPE[byte] !== 1) rejectType(byte, where ?? r.where(), offset);
  return byte;
}

/** Reads a reference type (table element type, element segment type). */
export function readRefType(r: ByteReader, where: string): number {
  const offset = r.pos;
  const byte = r.u8();
  if (byte !== FUNCREF && byte !== EXTERNREF) rejectType(byte, where, offset);
  return byte;
}

export function signatureText(params: readonly number[], results: readonly number[]): string {
  const list = (types: readonly number[]): string => `(${types.map(valTypeName).join(", ")})`;
  return `${list(params)} -> ${list(results)}`;
}
