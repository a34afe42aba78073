// memory.fill and memory.copy become calls to two added functions that do the same work in
// chunks, spending fuel as they go, so a deadline stops a long one partway. The engine's op is
// one uninterruptible step: filling 1 GiB took ~0.3 s here, and a host check after it (what the
// pipeline did before) let a guest with a 1 GiB cap overrun its deadline by that much per op.
//
// Each helper first checks the whole range the way the spec does (as 64-bit sums, so nothing
// wraps); a range past the end goes to the engine's own op with the original operands, which
// traps without writing anything, exactly as before. In range, it runs the op CHUNK bytes at a
// time, taking 1 + bytes/256 fuel per chunk (256 bytes fill in about the time a short loop
// iteration takes a few units): a 1 GiB fill asks the host every ~2.5 MiB, under a
// millisecond, and many small ops in straight-line code run out of fuel like a loop would.
// A copy whose destination is above its source goes from the end down, so overlapping ranges
// read each byte before it is overwritten (memmove), as the engine's op does.

import { ByteWriter } from "./byte-writer.ts";
import { askHostWhenOutOfFuel } from "./inject-interrupts.ts";
import { EMPTY_BLOCK, FC_MEMORY_COPY, FC_MEMORY_FILL, OP } from "./opcodes.ts";
import { I32 } from "./value-types.ts";

/** Bytes per engine op inside a helper: ~0.3 ms of filling here. */
export const BULK_CHUNK = 1 << 20;
/** Fuel per chunk: 1 + bytes >> FUEL_SHIFT. */
const FUEL_SHIFT = 8;

/** Params of both helpers, in the engine op's operand order: (dest, value | source, length). */
export const HELPER_PARAMS = [I32, I32, I32] as const;
const D = 0;
const VS = 1;
const N = 2;
/** The one local: this chunk's length. */
const C = 3;

export interface HelperPlan {
  readonly fuelGlobal: number;
  readonly interruptFunc: number;
}

/** The body (locals and code, without its size) of the helper standing for memory.fill. */
export function fillHelperBody(p: HelperPlan): Uint8Array {
  const w = new ByteWriter(128);
  locals(w);
  smallGoesToEngine(w, p, () => fill(w, D, VS, N));
  outOfRangeGoesToEngine(w, [D], () => fill(w, D, VS, N));
  w.u8(OP.loop);
  w.u8(EMPTY_BLOCK);
  takeChunk(w, p);
  fill(w, D, VS, C);
  advance(w, D);
  shrinkAndRepeat(w);
  w.u8(OP.end);
  w.u8(OP.end);
  return w.finish();
}

/** The body of the helper standing for memory.copy. */
export function copyHelperBody(p: HelperPlan): Uint8Array {
  const w = new ByteWriter(192);
  locals(w);
  smallGoesToEngine(w, p, () =>
    copy(
      w,
      () => get(w, D),
      () => get(w, VS),
      N,
    ),
  );
  outOfRangeGoesToEngine(w, [D, VS], () =>
    copy(
      w,
      () => get(w, D),
      () => get(w, VS),
      N,
    ),
  );
  get(w, D);
  get(w, VS);
  w.u8(OP.i32GtU);
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
  // Destination above the source: from the end down.
  w.u8(OP.loop);
  w.u8(EMPTY_BLOCK);
  takeChunk(w, p);
  get(w, N);
  get(w, C);
  w.u8(OP.i32Sub);
  w.u8(OP.localSet);
  w.u32(N);
  copy(
    w,
    () => offset(w, D),
    () => offset(w, VS),
    C,
  );
  get(w, N);
  w.u8(OP.brIf);
  w.u32(0);
  w.u8(OP.end);
  w.u8(OP.else);
  w.u8(OP.loop);
  w.u8(EMPTY_BLOCK);
  takeChunk(w, p);
  copy(
    w,
    () => get(w, D),
    () => get(w, VS),
    C,
  );
  advance(w, D);
  advance(w, VS);
  shrinkAndRepeat(w);
  w.u8(OP.end);
  w.u8(OP.end);
  w.u8(OP.end);
  return w.finish();
}

function locals(w: ByteWriter): void {
  w.u32(1);
  w.u32(1);
  w.u8(I32);
}

function get(w: ByteWriter, local: number): void {
  w.u8(OP.localGet);
  w.u32(local);
}

/** `local + n` (the chunk's start when going down: n has already been reduced by it). */
function offset(w: ByteWriter, local: number): void {
  get(w, local);
  get(w, N);
  w.u8(OP.i32Add);
}

/**
 * Up to one chunk, the engine's op as it is (it checks the range and handles overlap itself),
 * after paying its fuel: the common case, small ops in hot code, costs a call and a few
 * instructions more than the bare op.
 */
function smallGoesToEngine(w: ByteWriter, p: HelperPlan, engineOp: () => void): void {
  get(w, N);
  w.u8(OP.i32Const);
  w.s32(BULK_CHUNK);
  w.u8(OP.i32LeU);
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
  spend(w, p, N);
  engineOp();
  w.u8(OP.return);
  w.u8(OP.end);
}

/** If any `starts[i] + n` passes the memory's end: `engineOp()` (which traps) and return. */
function outOfRangeGoesToEngine(w: ByteWriter, starts: readonly number[], engineOp: () => void): void {
  starts.forEach((start, i) => {
    get(w, start);
    w.u8(OP.i64ExtendI32U);
    get(w, N);
    w.u8(OP.i64ExtendI32U);
    w.u8(OP.i64Add);
    w.u8(OP.memorySize);
    w.u8(0x00);
    w.u8(OP.i64ExtendI32U);
    w.u8(OP.i64Const);
    w.s32(16);
    w.u8(OP.i64Shl);
    w.u8(OP.i64GtU);
    if (i > 0) w.u8(OP.i32Or);
  });
  w.u8(OP.if);
  w.u8(EMPTY_BLOCK);
  engineOp();
  w.u8(OP.return);
  w.u8(OP.end);
}

/** c = min(n, CHUNK), and pay for it. */
function takeChunk(w: ByteWriter, p: HelperPlan): void {
  get(w, N);
  w.u8(OP.i32Const);
  w.s32(BULK_CHUNK);
  get(w, N);
  w.u8(OP.i32Const);
  w.s32(BULK_CHUNK);
  w.u8(OP.i32LtU);
  w.u8(OP.select);
  w.u8(OP.localSet);
  w.u32(C);
  spend(w, p, C);
}

/** fuel -= 1 + length >> FUEL_SHIFT; out of fuel: ask the host (it may throw). */
function spend(w: ByteWriter, p: HelperPlan, length: number): void {
  w.u8(OP.globalGet);
  w.u32(p.fuelGlobal);
  get(w, length);
  w.u8(OP.i32Const);
  w.s32(FUEL_SHIFT);
  w.u8(OP.i32ShrU);
  w.u8(OP.i32Const);
  w.s32(1);
  w.u8(OP.i32Add);
  w.u8(OP.i32Sub);
  w.u8(OP.globalSet);
  w.u32(p.fuelGlobal);
  askHostWhenOutOfFuel(w, p);
}

function fill(w: ByteWriter, dest: number, value: number, length: number): void {
  get(w, dest);
  get(w, value);
  get(w, length);
  w.u8(OP.prefixFC);
  w.u32(FC_MEMORY_FILL);
  w.u8(0x00);
}

function copy(w: ByteWriter, dest: () => void, source: () => void, length: number): void {
  dest();
  source();
  get(w, length);
  w.u8(OP.prefixFC);
  w.u32(FC_MEMORY_COPY);
  w.u8(0x00);
  w.u8(0x00);
}

/** local += c */
function advance(w: ByteWriter, local: number): void {
  get(w, local);
  get(w, C);
  w.u8(OP.i32Add);
  w.u8(OP.localSet);
  w.u32(local);
}

/** n -= c; br_if 0 (again while n is not 0) */
function shrinkAndRepeat(w: ByteWriter): void {
  get(w, N);
  get(w, C);
  w.u8(OP.i32Sub);
  w.u8(OP.localTee);
  w.u32(N);
  w.u8(OP.brIf);
  w.u32(0);
}
