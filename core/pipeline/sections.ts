// The module header and its framing into sections. Nothing inside a section is read here
// except custom section names.

import { ByteReader } from "./byte-reader.ts";
import { reject } from "./rejections.ts";

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  datacount: 12,
  tag: 13,
} as const;

const NAMES = [
  "custom",
  "type",
  "import",
  "function",
  "table",
  "memory",
  "global",
  "export",
  "start",
  "element",
  "code",
  "data",
  "data count",
  "tag",
];

/** Required order of known sections by id (the tag and data count sections sit out of id order). */
export const SECTION_RANK: readonly number[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6];

export interface Section {
  readonly id: number;
  /** Offset of the id byte. */
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
  /** For custom sections; the content after the name starts at `payloadStart`. */
  readonly customName: string;
  readonly payloadStart: number;
}

export function sectionName(id: number): string {
  return `${NAMES[id] ?? `unknown (${id})`} section`;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00];

function describeStart(bytes: Uint8Array): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 16)).trimStart();
  if (head.startsWith("(module") || head.startsWith("(;") || head.startsWith(";;"))
    return "this is WebAssembly text format: compile it with wat2wasm";
  if (bytes[0] === 0x7f && bytes[1] === 0x45) return "this is an ELF executable";
  const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `it starts with bytes ${shown}, not 00 61 73 6d`;
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length === 0) reject("not_wasm", { found: "the file is empty" });
  for (let i = 0; i < 4; i++) {
    if (i >= bytes.length) reject("truncated", { what: "the 8-byte header", offset: bytes.length });
    if (bytes[i] !== MAGIC[i]) reject("not_wasm", { found: describeStart(bytes) });
  }
  if (bytes.length < 8) reject("truncated", { what: "the 8-byte header", offset: bytes.length });
  const version = bytes.subarray(4, 8);
  if (COMPONENT_VERSION.every((b, i) => version[i] === b)) {
    reject("not_wasm", { found: "it is a component-model component, not a core module" });
  }
  const v = version[0] | (version[1] << 8) | (version[2] << 16) | (version[3] << 24);
  if (v !== 1) reject("not_wasm", { found: `binary format version ${v >>> 0}, only version 1 is supported` });
}

/** Splits the module into sections, checking ids, sizes and order. */
export function splitSections(bytes: Uint8Array): Section[] {
  checkHeader(bytes);
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  let lastRank = 0;
  while (!r.atEnd()) {
    const start = r.pos;
    const id = r.u8();
    r.context = sectionName(id);
    const size = r.u32();
    const contentStart = r.pos;
    if (size > bytes.length - contentStart) {
      reject("truncated", {
        what: `the ${sectionName(id)} (declares ${size} bytes, ${bytes.length - contentStart} remain)`,
        offset: bytes.length,
      });
    }
    const end = contentStart + size;
    if (id === SECTION.tag) {
      reject("unsupported_section", { section: "tag section", feature: "exception handling", offset: start });
    }
    if (id > SECTION.tag) reject("malformed", { what: `unknown section id ${id}`, offset: start });
    let customName = "";
    let payloadStart = contentStart;
    if (id === SECTION.custom) {
      const inner = new ByteReader(bytes, contentStart, end);
      inner.context = "a custom section's name";
      customName = inner.name();
      payloadStart = inner.pos;
    } else {
      const rank = SECTION_RANK[id];
      if (rank <= lastRank)
        reject("malformed", { what: `the ${sectionName(id)} is duplicated or out of order`, offset: start });
      lastRank = rank;
    }
    sections.push({ id, start, contentStart, end, customName, payloadStart });
    r.pos = end;
  }
  return sections;
}
