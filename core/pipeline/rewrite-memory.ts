// The runner owns the guest's memory: it creates one capped WebAssembly.Memory and passes it
// as env.memory. So every prepared module imports exactly env.memory, with its maximum
// clamped to the function's cap; a defined memory is turned into that import (memory index 0
// either way, so instructions and a "memory" export keep working) and a module without
// memory gets one (minimum 0) so the runner never needs a second code path.

import { MEMORY_IMPORT } from "../abi/edge-v1.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { KIND, LIMITS_HAS_MAX, type Import, type ModuleInfo } from "./module-info.ts";
import { theMemory } from "./validate.ts";

/** The engine's limit for a 32-bit memory: 4 GiB in 64 KiB pages. */
export const MAX_PAGES = 65536;

export interface MemoryPlan {
  readonly minPages: number;
  readonly maxPages: number;
}

export function planMemory(info: ModuleInfo, capPages: number): MemoryPlan {
  const memory = theMemory(info);
  const cap = Math.min(capPages, MAX_PAGES);
  return { minPages: memory?.min ?? 0, maxPages: Math.min(memory?.max ?? cap, cap) };
}

/** The memory was defined (or absent): the import section must gain the env.memory import. */
export function needsMemoryImport(info: ModuleInfo): boolean {
  return !info.imports.some(isMemoryImport);
}

export function isMemoryImport(i: Import): boolean {
  return i.kind === KIND.memory && i.module === MEMORY_IMPORT.module && i.name === MEMORY_IMPORT.name;
}

/** Writes an env.memory import entry with the planned limits. */
export function writeMemoryImport(w: ByteWriter, plan: MemoryPlan): void {
  w.name(MEMORY_IMPORT.module);
  w.name(MEMORY_IMPORT.name);
  w.u8(0x02);
  w.u8(LIMITS_HAS_MAX);
  w.u32(plan.minPages);
  w.u32(plan.maxPages);
}
