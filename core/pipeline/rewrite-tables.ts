// Tables are memory the guest can grow too (table.grow), outside the capped WebAssembly.Memory:
// a table with no maximum could take gigabytes in one invocation. So every defined table gets a
// maximum of at most TABLE_MAX_ELEMENTS, and a module may define at most MAX_TABLES of them.
// Imported tables never reach here: edge v1 allows no table imports.

import type { ByteReader } from "./byte-reader.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { LIMITS_HAS_MAX, type ModuleInfo } from "./module-info.ts";
import { reject } from "./rejections.ts";

/** Far above what compilers emit for indirect calls (Rust and C: a few thousand at most). */
const TABLE_MAX_ELEMENTS = 100_000;
const MAX_TABLES = 16;

export function checkTables(info: ModuleInfo): void {
  if (info.tables.length > MAX_TABLES)
    reject("table_too_large", { what: `module defines ${info.tables.length} tables`, limit: MAX_TABLES });
  info.tables.forEach((t, i) => {
    if (t.limits.min > TABLE_MAX_ELEMENTS)
      reject("table_too_large", { what: `table ${i} starts with ${t.limits.min} elements`, limit: TABLE_MAX_ELEMENTS });
  });
}

/** Re-encodes the table section with each maximum clamped. */
export function writeTables(info: ModuleInfo, r: ByteReader, w: ByteWriter): void {
  w.u32(info.tables.length);
  for (const t of info.tables) {
    w.copy(info.bytes, t.typeStart, t.typeEnd);
    w.u8(LIMITS_HAS_MAX);
    w.u32(t.limits.min);
    w.u32(Math.min(t.limits.max ?? TABLE_MAX_ELEMENTS, TABLE_MAX_ELEMENTS));
  }
  r.pos = r.end;
}
