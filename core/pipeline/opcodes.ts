// What follows each opcode, as data. The walker only needs the shape of the immediates to
// find the next instruction; anything not listed here is rejected rather than guessed at.

/**
 * The opcodes of the code the pipeline writes itself (interrupt checks, bulk helpers, the reset
 * entry): one table, so that each writer names instructions instead of numbers.
 */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  memorySize: 0x3f,
  i32Const: 0x41,
  i64Const: 0x42,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32LeU: 0x4d,
  i64GtU: 0x56,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Or: 0x72,
  i32ShrU: 0x76,
  i64Add: 0x7c,
  i64Shl: 0x86,
  i64ExtendI32U: 0xad,
  prefixFC: 0xfc,
} as const;
/** Block type of a block or if that takes and leaves nothing. */
export const EMPTY_BLOCK = 0x40;

/** 0xFC sub-opcodes the rewrite turns into calls (bulk-helpers.ts). */
export const FC_MEMORY_COPY = 10;
export const FC_MEMORY_FILL = 11;

/** Immediate shapes. Numbers, not an enum, so the walker's switch stays a jump table. */
export const UNKNOWN = 0;
export const NONE = 1;
/** block / if: a block type; opens a nesting level. */
export const BLOCK = 2;
/** loop: a block type; opens a nesting level and gets an interrupt check after it. */
export const LOOP = 3;
export const END = 4;
export const U32 = 5;
export const U32_U32 = 6;
export const BR_TABLE = 7;
/** A function index (call, return_call, ref.func): renumbered by the rewrite. */
export const FUNC = 8;
export const MEMARG = 9;
export const I32 = 10;
export const I64 = 11;
export const F32 = 12;
export const F64 = 13;
export const SELECT_T = 14;
export const REF_NULL = 15;
export const MEMARG_LANE = 16;
export const BYTES16 = 17;
export const BYTE1 = 18;
export const PREFIX = 19;

type Row = readonly [first: number, last: number, shape: number];

const SINGLE_BYTE: readonly Row[] = [
  [0x00, 0x01, NONE], // unreachable nop
  [0x02, 0x02, BLOCK],
  [0x03, 0x03, LOOP],
  [0x04, 0x04, BLOCK], // if
  [0x05, 0x05, NONE], // else
  [0x0b, 0x0b, END],
  [0x0c, 0x0d, U32], // br br_if
  [0x0e, 0x0e, BR_TABLE],
  [0x0f, 0x0f, NONE], // return
  [0x10, 0x10, FUNC], // call
  [0x11, 0x11, U32_U32], // call_indirect type table
  [0x12, 0x12, FUNC], // return_call
  [0x13, 0x13, U32_U32], // return_call_indirect
  [0x1a, 0x1b, NONE], // drop select
  [0x1c, 0x1c, SELECT_T],
  [0x20, 0x26, U32], // local.get/set/tee global.get/set table.get/set
  [0x28, 0x3e, MEMARG], // loads and stores
  [0x3f, 0x40, U32], // memory.size memory.grow (memory index)
  [0x41, 0x41, I32],
  [0x42, 0x42, I64],
  [0x43, 0x43, F32],
  [0x44, 0x44, F64],
  [0x45, 0xc4, NONE], // numeric, conversions, reinterpret, sign-extension
  [0xd0, 0xd0, REF_NULL],
  [0xd1, 0xd1, NONE], // ref.is_null
  [0xd2, 0xd2, FUNC], // ref.func
  [0xfc, 0xfe, PREFIX],
];

const PREFIX_FC: readonly Row[] = [
  [0, 7, NONE], // saturating truncations
  [8, 8, U32_U32], // memory.init data memory
  [9, 9, U32], // data.drop
  [10, 10, U32_U32], // memory.copy
  [11, 11, U32], // memory.fill
  [12, 12, U32_U32], // table.init elem table
  [13, 13, U32], // elem.drop
  [14, 14, U32_U32], // table.copy
  [15, 17, U32], // table.grow table.size table.fill
];

// SIMD, final numbering. Gaps are opcodes the spec never assigned.
const SIMD_GAPS = [
  0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2,
  0xee,
];
const PREFIX_FD: readonly Row[] = [
  [0x00, 0x0b, MEMARG], // v128.load*, v128.store
  [0x0c, 0x0c, BYTES16], // v128.const
  [0x0d, 0x0d, BYTES16], // i8x16.shuffle
  [0x0e, 0x14, NONE], // swizzle, splats
  [0x15, 0x22, BYTE1], // extract_lane / replace_lane
  [0x23, 0x53, NONE], // comparisons, bitwise
  [0x54, 0x5b, MEMARG_LANE], // load/store lane
  [0x5c, 0x5d, MEMARG], // load32_zero load64_zero
  [0x5e, 0xff, NONE], // arithmetic and conversions (minus SIMD_GAPS)
  [0x100, 0x113, NONE], // relaxed SIMD
];

const PREFIX_FE: readonly Row[] = [
  [0x00, 0x02, MEMARG], // memory.atomic.notify / wait32 / wait64
  [0x03, 0x03, BYTE1], // atomic.fence 0x00
  [0x10, 0x4e, MEMARG], // atomic loads, stores, rmw, cmpxchg
];

function table(size: number, rows: readonly Row[], gaps: readonly number[] = []): Uint8Array {
  const t = new Uint8Array(size);
  for (const [first, last, shape] of rows) t.fill(shape, first, last + 1);
  for (const gap of gaps) t[gap] = UNKNOWN;
  return t;
}

export const SINGLE_SHAPES = table(256, SINGLE_BYTE);
/** Indexed by prefix byte, then by the u32 sub-opcode. */
export const PREFIXED_SHAPES: Readonly<Record<number, Uint8Array>> = {
  0xfc: table(18, PREFIX_FC),
  0xfd: table(0x114, PREFIX_FD, SIMD_GAPS),
  0xfe: table(0x4f, PREFIX_FE),
};

const PREFIX_NAMES: Readonly<Record<number, string>> = {
  0xfc: "bulk memory / saturating conversion",
  0xfd: "SIMD",
  0xfe: "atomics",
};

interface Family {
  readonly feature: string;
  readonly hint: string;
}
const EXCEPTIONS: Family = {
  feature: "exception handling",
  hint: "build without wasm exceptions (C++: -fno-exceptions or -fignore-exceptions; Rust: panic=abort, the default for wasm32-unknown-unknown)",
};
const TYPED_REFS: Family = {
  feature: "GC / typed function references",
  hint: "build for a target without wasm GC or typed function references",
};
const GC: Family = {
  feature: "GC",
  hint: "wasm GC is not supported: build for linear memory instead of a wasm-gc target",
};
const UNSUPPORTED_SINGLE: Readonly<Record<number, Family>> = {
  0x06: EXCEPTIONS,
  0x07: EXCEPTIONS,
  0x08: EXCEPTIONS,
  0x09: EXCEPTIONS,
  0x0a: EXCEPTIONS,
  0x18: EXCEPTIONS,
  0x19: EXCEPTIONS,
  0x1f: EXCEPTIONS,
  0x14: TYPED_REFS,
  0x15: TYPED_REFS,
  0xd3: TYPED_REFS,
  0xd4: TYPED_REFS,
  0xd5: TYPED_REFS,
  0xd6: TYPED_REFS,
  0xfb: GC,
};

/** Feature and fix for an opcode the table does not know (`sub` is -1 for single-byte ones). */
export function unsupportedFamily(op: number, sub: number): Family {
  const known = UNSUPPORTED_SINGLE[op];
  if (known) return known;
  const prefix = PREFIX_NAMES[op];
  return {
    feature: prefix ? `unknown ${prefix} opcode ${sub}` : "unknown",
    hint: "it is not part of any supported WebAssembly feature: the module may be corrupt or use a newer proposal",
  };
}

export function opcodeName(op: number, sub: number): string {
  const h = (n: number): string => `0x${n.toString(16).padStart(2, "0")}`;
  return sub < 0 ? h(op) : `${h(op)} ${h(sub)}`;
}
