// The sandbox imports (interrupt, and stack_overflow for modules that can recur) are added
// after the existing function imports, so every defined function's index moves up by as many. These writers copy index-bearing sections with the
// shift applied; everything between patch points is copied as raw bytes.

import type { ByteReader } from "./byte-reader.ts";
import { FC_MEMORY_COPY, FC_MEMORY_FILL } from "./opcodes.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { walkExpression, type ExpressionVisitor } from "./instructions.ts";
import { KIND, type ModuleInfo } from "./module-info.ts";
import { readRefType } from "./value-types.ts";

/** New index of function `index` when `added` imports are added after `importedFuncs`. */
export function shiftFunc(index: number, importedFuncs: number, added: number): number {
  return index >= importedFuncs ? index + added : index;
}

/** Function indices of the helpers standing for memory.fill and memory.copy (bulk-helpers.ts); -1 when not added. */
export interface BulkCalls {
  readonly fill: number;
  readonly copy: number;
}

/**
 * Copies expressions from the input to the writer, renumbering function indices and, when
 * given `loopCheck`, inserting it after every loop header; with `exitCode` set, inserting that
 * before every `return` and tail call; with `bulkCalls`, turning memory.fill and memory.copy
 * into calls of the chunking helpers.
 */
export class ExpressionCopier implements ExpressionVisitor {
  private copied = 0;
  /** Whether the expression since begin() has a loop or a call: whether it can run unbounded. */
  loopsOrCalls = false;
  /** Inserted before every instruction that leaves the function early, when set. */
  exitCode: Uint8Array | null = null;

  constructor(
    private readonly input: Uint8Array,
    private readonly w: ByteWriter,
    private readonly importedFuncs: number,
    /** Function imports added after `importedFuncs`. */
    private readonly added: number,
    private readonly loopCheck: Uint8Array | null,
    /** Inserted after every other bulk memory/table operation, when given. */
    private readonly bulkCheck: Uint8Array | null = null,
    private readonly bulkCalls: BulkCalls | null = null,
  ) {}

  /** Starts copying at `pos`. */
  begin(pos: number): void {
    this.copied = pos;
    this.loopsOrCalls = false;
  }

  call(): void {
    this.loopsOrCalls = true;
  }

  exit(pos: number): void {
    if (!this.exitCode) return;
    this.w.copy(this.input, this.copied, pos);
    this.w.bytes(this.exitCode);
    this.copied = pos;
  }

  bulk(start: number, end: number, sub: number): void {
    const helper = this.helperFor(end, sub);
    if (helper >= 0) {
      // Same operands, same order: the call replaces the instruction.
      this.w.copy(this.input, this.copied, start);
      this.w.u8(0x10);
      this.w.u32(helper);
      this.copied = end;
      return;
    }
    if (!this.bulkCheck) return;
    this.w.copy(this.input, this.copied, end);
    this.w.bytes(this.bulkCheck);
    this.copied = end;
  }

  /** The helper for a fill or copy of memory 0 (its memory index immediates are the last bytes), else -1. */
  private helperFor(end: number, sub: number): number {
    if (!this.bulkCalls) return -1;
    const b = this.input;
    if (sub === FC_MEMORY_FILL && b[end - 1] === 0) return this.bulkCalls.fill;
    if (sub === FC_MEMORY_COPY && b[end - 1] === 0 && b[end - 2] === 0) return this.bulkCalls.copy;
    return -1;
  }

  loopHeader(pos: number): void {
    this.loopsOrCalls = true;
    if (!this.loopCheck) return;
    this.w.copy(this.input, this.copied, pos);
    this.w.bytes(this.loopCheck);
    this.copied = pos;
  }

  funcIndex(start: number, end: number, index: number): void {
    if (index < this.importedFuncs) return;
    this.w.copy(this.input, this.copied, start);
    this.w.u32(index + this.added);
    this.copied = end;
  }

  /** Copies what is left up to `pos`. */
  flush(pos: number): void {
    this.w.copy(this.input, this.copied, pos);
    this.copied = pos;
  }

  /** Copies one constant expression at r.pos through its `end`. */
  constExpr(r: ByteReader): void {
    this.begin(r.pos);
    walkExpression(r, this);
    this.flush(r.pos);
  }
}

/**
 * The exports `kept` marks (one flag per export, in order), function indices shifted; the
 * function export named `redirect.name` (if given) exports `redirect.func` instead.
 */
export function writeExports(
  info: ModuleInfo,
  r: ByteReader,
  w: ByteWriter,
  added: number,
  kept: readonly boolean[],
  redirect: { name: string; func: number } | null = null,
): void {
  const count = r.u32();
  w.u32(kept.filter(Boolean).length);
  for (let i = 0; i < count; i++) {
    const entryStart = r.pos;
    const name = r.name();
    const kind = r.u8();
    const indexStart = r.pos;
    const index = r.u32();
    if (!kept[i]) continue;
    w.copy(r.bytes, entryStart, indexStart);
    if (redirect && kind === KIND.func && name === redirect.name) w.u32(redirect.func);
    else w.u32(kind === KIND.func ? shiftFunc(index, info.importedFuncs, added) : index);
  }
}

export function writeStart(info: ModuleInfo, r: ByteReader, w: ByteWriter, added: number): void {
  w.u32(shiftFunc(r.u32(), info.importedFuncs, added));
}

/**
 * Element segments, all eight encodings: bit 0 passive/declarative, bit 1 explicit table
 * (or declarative when passive), bit 2 expressions instead of function indices.
 */
export function writeElements(
  info: ModuleInfo,
  r: ByteReader,
  w: ByteWriter,
  copier: ExpressionCopier,
  added: number,
): void {
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    r.context = `element segment ${i}`;
    const flagsAt = r.pos;
    const flags = r.u32();
    if (flags > 7) r.malformed(`unknown element segment kind ${flags}`, flagsAt);
    w.u32(flags);
    const active = (flags & 1) === 0;
    const explicitTable = (flags & 2) !== 0;
    const usesExprs = (flags & 4) !== 0;
    if (active && explicitTable) w.u32(r.u32());
    if (active) copier.constExpr(r);
    if (!active || explicitTable) {
      const at = r.pos;
      if (usesExprs) readRefType(r, r.context);
      else if (r.u8() !== 0x00) r.malformed("unknown element kind (expected funcref 0x00)", at);
      w.copy(r.bytes, at, r.pos);
    }
    const n = r.u32();
    w.u32(n);
    for (let j = 0; j < n; j++) {
      if (usesExprs) copier.constExpr(r);
      else w.u32(shiftFunc(r.u32(), info.importedFuncs, added));
    }
  }
}
