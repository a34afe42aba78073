// Reads the declaration sections the checks and the rewrite need: types, imports, defined
// functions, tables, memories, exports and start. Globals, elements and code are walked
// later, by the rewrite, in one pass.

import { ByteReader } from "./byte-reader.ts";
import { reject } from "./rejections.ts";
import { SECTION, sectionName, type Section } from "./sections.ts";
import { readRefType, readValType } from "./value-types.ts";

export const KIND = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;
export const KIND_NAMES = ["function", "table", "memory", "global", "tag"];

export interface Limits {
  readonly flags: number;
  readonly min: number;
  readonly max: number | null;
  /** Offset of the flags byte, for messages. */
  readonly offset: number;
}

export const LIMITS_HAS_MAX = 0x01;
export const LIMITS_SHARED = 0x02;
export const LIMITS_64 = 0x04;

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly kind: number;
  /** Function imports: the type index. */
  readonly typeIndex: number;
  /** Memory imports: the limits. */
  readonly limits: Limits | null;
  /** The entry's bytes, copied as they are unless the rewrite changes them. */
  readonly start: number;
  readonly end: number;
}

export interface Table {
  /** The reference type's bytes, copied as they are. */
  readonly typeStart: number;
  readonly typeEnd: number;
  readonly limits: Limits;
}

export interface Export {
  readonly name: string;
  readonly kind: number;
  readonly index: number;
}

export interface ModuleInfo {
  readonly bytes: Uint8Array;
  readonly sections: readonly Section[];
  /** Non-custom sections by id. */
  readonly section: ReadonlyArray<Section | undefined>;
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  readonly importedFuncs: number;
  readonly importedGlobals: number;
  /** Type index of each defined function. */
  readonly funcTypes: readonly number[];
  readonly memories: readonly Limits[];
  readonly tables: readonly Table[];
  readonly definedGlobals: number;
  readonly exports: readonly Export[];
  readonly start: number | null;
}

function readerFor(bytes: Uint8Array, s: Section): ByteReader {
  const r = new ByteReader(bytes, s.contentStart, s.end);
  r.context = sectionName(s.id);
  return r;
}

function readLimits(r: ByteReader): Limits {
  const offset = r.pos;
  const flags = r.u8();
  if (flags > 0x07) r.malformed(`unknown limits flags 0x${flags.toString(16)}`, offset);
  const wide = (flags & LIMITS_64) !== 0;
  const min = wide ? r.u64() : r.u32();
  const max = flags & LIMITS_HAS_MAX ? (wide ? r.u64() : r.u32()) : null;
  return { flags, min, max, offset };
}

function readTypes(r: ByteReader): FuncType[] {
  const types: FuncType[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const form = r.u8();
    if (form !== 0x60) {
      reject("unsupported_type", {
        type: `type form 0x${form.toString(16)}`,
        where: `type ${i} (only function types; no GC types)`,
        offset: at,
      });
    }
    const where = `the signature of type ${i}`;
    const params: number[] = [];
    const results: number[] = [];
    for (let n = r.u32(), j = 0; j < n; j++) params.push(readValType(r, where));
    for (let n = r.u32(), j = 0; j < n; j++) results.push(readValType(r, where));
    types.push({ params, results });
  }
  return types;
}

function readImports(r: ByteReader): Import[] {
  const imports: Import[] = [];
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const module = r.name();
    const name = r.name();
    const kindAt = r.pos;
    const kind = r.u8();
    let typeIndex = -1;
    let limits: Limits | null = null;
    if (kind === KIND.func) typeIndex = r.u32();
    else if (kind === KIND.table) {
      readRefType(r, `table import "${module}.${name}"`);
      readLimits(r);
    } else if (kind === KIND.memory) limits = readLimits(r);
    else if (kind === KIND.global) {
      readValType(r, `global import "${module}.${name}"`);
      r.u8();
    } else if (kind === KIND.tag) {
      r.u8();
      r.u32();
    } else r.malformed(`unknown import kind ${kind}`, kindAt);
    imports.push({ module, name, kind, typeIndex, limits, start, end: r.pos });
  }
  return imports;
}

function readTables(r: ByteReader): Table[] {
  const tables: Table[] = [];
  for (let count = r.u32(), i = 0; i < count; i++) {
    const at = r.pos;
    if (at < r.end && r.bytes[at] === 0x40) {
      reject("unsupported_section", {
        section: "table section",
        feature: "a table with an initializer expression (typed function references)",
        offset: at,
      });
    }
    readRefType(r, `table ${i}`);
    const typeEnd = r.pos;
    const limits = readLimits(r);
    if (limits.flags > LIMITS_HAS_MAX) {
      reject("unsupported_section", {
        section: "table section",
        feature: "a shared or 64-bit table",
        offset: limits.offset,
      });
    }
    tables.push({ typeStart: at, typeEnd, limits });
  }
  return tables;
}

function readExports(r: ByteReader): Export[] {
  const exports: Export[] = [];
  for (let count = r.u32(), i = 0; i < count; i++) {
    const name = r.name();
    const kindAt = r.pos;
    const kind = r.u8();
    if (kind > KIND.tag) r.malformed(`unknown export kind ${kind}`, kindAt);
    exports.push({ name, kind, index: r.u32() });
  }
  return exports;
}

export function readModuleInfo(bytes: Uint8Array, sections: readonly Section[]): ModuleInfo {
  const section: Array<Section | undefined> = [];
  for (const s of sections) if (s.id !== SECTION.custom) section[s.id] = s;
  const read = <T>(id: number, fallback: T, fn: (r: ByteReader) => T): T => {
    const s = section[id];
    if (!s) return fallback;
    const r = readerFor(bytes, s);
    const value = fn(r);
    r.expectEnd();
    return value;
  };
  const types = read(SECTION.type, [], readTypes);
  const imports = read(SECTION.import, [], readImports);
  const funcTypes = read(SECTION.function, [] as number[], (r) => {
    const out: number[] = [];
    for (let n = r.u32(), i = 0; i < n; i++) out.push(r.u32());
    return out;
  });
  const tables = read(SECTION.table, [] as Table[], readTables);
  const memories = read(SECTION.memory, [] as Limits[], (r) => {
    const out: Limits[] = [];
    for (let n = r.u32(), i = 0; i < n; i++) out.push(readLimits(r));
    return out;
  });
  const globalSection = section[SECTION.global];
  const definedGlobals = globalSection ? readerFor(bytes, globalSection).u32() : 0;
  const exports = read(SECTION.export, [], readExports);
  const start = read(SECTION.start, null as number | null, (r) => r.u32());
  return {
    bytes,
    sections,
    section,
    types,
    imports,
    importedFuncs: imports.filter((i) => i.kind === KIND.func).length,
    importedGlobals: imports.filter((i) => i.kind === KIND.global).length,
    funcTypes,
    memories,
    tables,
    definedGlobals,
    exports,
    start,
  };
}
