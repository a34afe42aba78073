// The "name" custom section maps function indices to names for stack traces and debuggers.
// Its function-indexed subsections (1 function names, 2 local names) follow the index shift;
// the added imports get names too. Label names (3) are dropped: a label's index counts the
// blocks, loops and ifs before it in its function, and the checks the pipeline inserts add
// some, so the old indices would name the wrong labels (no names beats wrong ones; LLVM and
// wabt do not emit them). A malformed name section is only debug data, so it is dropped rather
// than failing the module.

import { INTERRUPT_IMPORT, STACK_OVERFLOW_IMPORT } from "../abi/edge-v1.ts";
import { ByteReader } from "./byte-reader.ts";
import { ByteWriter } from "./byte-writer.ts";
import { PipelineRejection } from "./rejections.ts";
import { shiftFunc } from "./renumber.ts";
import type { Section } from "./sections.ts";

const FUNCTION_NAMES = 1;
const LOCAL_NAMES = 2;
const LABEL_NAMES = 3;

const INTERRUPT_DEBUG_NAME = `${INTERRUPT_IMPORT.module}.${INTERRUPT_IMPORT.name}`;
const ADDED_NAMES = [INTERRUPT_DEBUG_NAME, `${STACK_OVERFLOW_IMPORT.module}.${STACK_OVERFLOW_IMPORT.name}`];

/** The payload (after the section name) of the rewritten section, or null to drop it; `added` function imports (1 or 2) were inserted. */

export function rewriteNameSection(
  input: Uint8Array,
  section: Section,
  importedFuncs: number,
  added: number,
): Uint8Array | null {
  const names = ADDED_NAMES.slice(0, added);
  const r = new ByteReader(input, section.payloadStart, section.end);
  r.context = "the name section";
  const w = new ByteWriter(section.end - section.payloadStart + 64);
  try {
    while (!r.atEnd()) {
      const id = r.u8();
      const size = r.u32();
      const contentStart = r.pos;
      r.skip(size);
      if (id === LABEL_NAMES) continue;
      const sub = new ByteReader(input, contentStart, r.pos);
      w.u8(id);
      const mark = w.beginSized();
      if (id === FUNCTION_NAMES) writeFunctionNames(sub, w, importedFuncs, names);
      else if (id === LOCAL_NAMES) writeIndirectNames(sub, w, importedFuncs, names.length);
      else w.copy(input, contentStart, r.pos);
      w.endSized(mark);
    }
  } catch (e) {
    if (e instanceof PipelineRejection) return null;
    throw e;
  }
  return w.finish();
}

function writeFunctionNames(r: ByteReader, w: ByteWriter, importedFuncs: number, names: readonly string[]): void {
  const count = r.u32();
  w.u32(count + names.length);
  let inserted = false;
  const insert = (): void => {
    names.forEach((name, k) => {
      w.u32(importedFuncs + k);
      w.name(name);
    });
    inserted = true;
  };
  for (let i = 0; i < count; i++) {
    const index = r.u32();
    const nameStart = r.pos;
    r.skipName();
    if (!inserted && index >= importedFuncs) insert();
    w.u32(shiftFunc(index, importedFuncs, names.length));
    w.copy(r.bytes, nameStart, r.pos);
  }
  if (!inserted) insert();
  r.expectEnd();
}

function writeIndirectNames(r: ByteReader, w: ByteWriter, importedFuncs: number, added: number): void {
  const count = r.u32();
  w.u32(count);
  for (let i = 0; i < count; i++) {
    w.u32(shiftFunc(r.u32(), importedFuncs, added));
    const mapStart = r.pos;
    for (let n = r.u32(), j = 0; j < n; j++) {
      r.u32();
      r.skipName();
    }
    w.copy(r.bytes, mapStart, r.pos);
  }
  r.expectEnd();
}
