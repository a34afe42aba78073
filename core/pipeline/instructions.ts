// Walks one expression (a function body or a constant expression) instruction by
// instruction using the immediates table, and reports only what the rewrite needs: loop
// headers, calls, exits and function-index immediates. No per-instruction allocation.

import type { ByteReader } from "./byte-reader.ts";
import * as S from "./opcodes.ts";
import { reject } from "./rejections.ts";
import { IS_VALTYPE, rejectType, EXTERNREF, FUNCREF } from "./value-types.ts";

export interface ExpressionVisitor {
  /** A `loop` whose block type ends right before `pos`. */
  loopHeader(pos: number): void;
  /** A function index immediate `index` encoded in bytes [start, end). */
  funcIndex(start: number, end: number, index: number): void;
  /** A call of any kind: `index` is the callee, -1 when indirect; `tail` for return_call*. */
  call(index: number, tail: boolean): void;
  /** An instruction that leaves the function early (return, return_call*) starts at `pos`. */
  exit(pos: number): void;
  /** A bulk memory or table operation (its time grows with its length) in bytes [start, end); `sub` is its 0xFC sub-opcode. */
  bulk(start: number, end: number, sub: number): void;
  /**
   * An instruction that changes instance state other than memory and globals: a table write
   * (table.set/grow/fill/copy/init) or a segment drop (data.drop, elem.drop). Optional.
   */
  tableOrSegmentWrite?(at: number): void;
}

const OP_CALL = 0x10;
const OP_CALL_INDIRECT = 0x11;
const OP_RETURN_CALL = 0x12;
const OP_RETURN_CALL_INDIRECT = 0x13;
const OP_RETURN = 0x0f;
const PREFIX_FC = 0xfc;
/** 0xFC sub-opcodes whose work is proportional to an operand: memory.init/copy/fill, table.init/copy/fill. */
const BULK = new Set([8, 10, 11, 12, 14, 17]);
const OP_TABLE_SET = 0x26;
/** 0xFC sub-opcodes that write a table or drop a segment: data.drop, table.init, elem.drop, table.copy, table.grow, table.fill. */
const TABLE_OR_SEGMENT_WRITES = new Set([9, 12, 13, 14, 15, 17]);

/** Walks from r.pos through the `end` that closes the expression, leaving r.pos after it. */
export function walkExpression(r: ByteReader, visitor: ExpressionVisitor | null): void {
  const bytes = r.bytes;
  let depth = 1;
  for (;;) {
    const at = r.pos;
    if (at >= r.end) r.overrun("an instruction");
    const op = bytes[r.pos++];
    let shape = S.SINGLE_SHAPES[op];
    let sub = -1;
    if (shape === S.PREFIX) {
      sub = r.u32();
      const prefixed = S.PREFIXED_SHAPES[op];
      shape = sub < prefixed.length ? prefixed[sub] : S.UNKNOWN;
    }
    switch (shape) {
      case S.NONE:
        if (op === OP_RETURN && sub < 0 && visitor) visitor.exit(at);
        break;
      case S.END:
        if (--depth === 0) return;
        break;
      case S.BLOCK:
        depth++;
        skipBlockType(r);
        break;
      case S.LOOP:
        depth++;
        skipBlockType(r);
        if (visitor) visitor.loopHeader(r.pos);
        break;
      case S.U32:
        r.u32();
        break;
      case S.U32_U32:
        r.u32();
        r.u32();
        if (visitor && sub < 0) {
          if (op === OP_CALL_INDIRECT) visitor.call(-1, false);
          else if (op === OP_RETURN_CALL_INDIRECT) {
            visitor.exit(at);
            visitor.call(-1, true);
          }
        }
        break;
      case S.FUNC: {
        const start = r.pos;
        const index = r.u32();
        if (visitor) {
          if (op === OP_CALL && sub < 0) visitor.call(index, false);
          else if (op === OP_RETURN_CALL && sub < 0) {
            visitor.exit(at);
            visitor.call(index, true);
          }
          visitor.funcIndex(start, r.pos, index);
        }
        break;
      }
      case S.MEMARG:
        skipMemarg(r);
        break;
      case S.I32:
        r.s32();
        break;
      case S.I64:
        r.skipS64();
        break;
      case S.F32:
        r.skip(4);
        break;
      case S.F64:
        r.skip(8);
        break;
      case S.BR_TABLE: {
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case S.SELECT_T: {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const typeAt = r.pos;
          const t = r.u8();
          if (IS_VALTYPE[t] !== 1) rejectType(t, r.where(), typeAt);
        }
        break;
      }
      case S.REF_NULL: {
        const typeAt = r.pos;
        const t = r.u8();
        if (t !== FUNCREF && t !== EXTERNREF) rejectType(t, r.where(), typeAt);
        break;
      }
      case S.MEMARG_LANE:
        skipMemarg(r);
        r.skip(1);
        break;
      case S.BYTES16:
        r.skip(16);
        break;
      case S.BYTE1:
        r.skip(1);
        break;
      default:
        unsupported(r, op, sub, at);
    }
    if (op === PREFIX_FC && visitor) {
      if (BULK.has(sub)) visitor.bulk(at, r.pos, sub);
      if (TABLE_OR_SEGMENT_WRITES.has(sub)) visitor.tableOrSegmentWrite?.(at);
    } else if (op === OP_TABLE_SET && visitor) visitor.tableOrSegmentWrite?.(at);
  }
}

function skipBlockType(r: ByteReader): void {
  if (r.pos >= r.end) r.overrun("a block type");
  const b = r.bytes[r.pos];
  if (b === 0x40 || IS_VALTYPE[b] === 1) {
    r.pos++;
    return;
  }
  // A one-byte negative s33 that is not a known value type is a GC / typed-reference type.
  if (b & 0x40) rejectType(b, `a block type in ${r.where()}`, r.pos);
  r.s33();
}

function skipMemarg(r: ByteReader): void {
  const align = r.u32();
  // Multi-memory encoding: bit 6 of the alignment says a memory index follows.
  if (align & 0x40) r.u32();
  r.u32();
}

function unsupported(r: ByteReader, op: number, sub: number, at: number): never {
  if (op === 0xfb && sub < 0) {
    try {
      sub = r.u32();
    } catch {
      sub = -1;
    }
  }
  const family = S.unsupportedFamily(op, sub);
  return reject("unsupported_opcode", {
    opcode: S.opcodeName(op, sub),
    feature: family.feature,
    hint: family.hint,
    where: r.where(),
    offset: at,
  });
}
