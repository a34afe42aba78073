// The immediates table is checked opcode by opcode against wabt's decoder: for every opcode
// we claim to know, wabt must read exactly the immediates we skip; for every one we reject,
// wabt must not know it either (with the features we support switched on).

import { describe, expect, test } from "bun:test";
import wabtInit from "wabt";
import * as S from "../../core/pipeline/opcodes.ts";
import { prepareModule } from "../../core/pipeline/index.ts";
import { fixture } from "../fixtures/pipeline/corpus.ts";
import { leb, oneFunction } from "./binary.ts";
import { LIMITS, prepareOk } from "./harness.ts";

const wabt = await wabtInit();
const FEATURES = {
  simd: true,
  relaxed_simd: true,
  threads: true,
  bulk_memory: true,
  reference_types: true,
  tail_call: true,
  sign_extension: true,
  sat_float_to_int: true,
  multi_value: true,
  extended_const: true,
};

/** Zero-filled immediates of a shape: if a decoder skips fewer bytes, the rest reads as `unreachable`. */
function immediates(shape: number): number[] {
  switch (shape) {
    case S.BLOCK:
    case S.LOOP:
      return [0x40, 0x0b];
    case S.U32:
    case S.FUNC:
    case S.I32:
    case S.I64:
    case S.BYTE1:
      return [0x00];
    case S.U32_U32:
    case S.MEMARG:
    case S.BR_TABLE:
      return [0x00, 0x00];
    case S.MEMARG_LANE:
      return [0x00, 0x00, 0x00];
    case S.F32:
      return [0, 0, 0, 0];
    case S.F64:
      return new Array(8).fill(0);
    case S.BYTES16:
      return new Array(16).fill(0);
    case S.SELECT_T:
      return [0x01, 0x7f];
    case S.REF_NULL:
      return [0x70];
    default:
      return [];
  }
}

/**
 * The instructions wabt decodes from a function whose body is `code`, or null if it cannot
 * decode them. Without validation wabt does not throw on an unknown opcode: it leaves the
 * function body empty.
 */
function wabtReads(code: number[]): string | null {
  let text: string;
  try {
    const m = wabt.readWasm(oneFunction(code), { check: false, ...FEATURES });
    try {
      text = m.toText({});
    } finally {
      m.destroy();
    }
  } catch {
    return null;
  }
  const body = text.split("\n").filter((l) => l.startsWith("    ") && !l.trim().startsWith("(local"));
  return body.length === 0 ? null : body.join("\n");
}

function unreachables(text: string): number {
  return text.split("unreachable").length - 1;
}

interface Case {
  readonly label: string;
  readonly code: number[];
  readonly known: boolean;
  readonly expectedUnreachables: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (let op = 0; op < 256; op++) {
    const shape = S.SINGLE_SHAPES[op];
    if (shape === S.PREFIX || shape === S.END) continue;
    // `else` only decodes inside an `if`.
    const code = op === 0x05 ? [0x41, 0x00, 0x04, 0x40, 0x05, 0x0b] : [op, ...immediates(shape)];
    out.push({ label: S.opcodeName(op, -1), code, known: shape !== S.UNKNOWN, expectedUnreachables: op === 0 ? 1 : 0 });
  }
  for (const [prefix, table] of Object.entries(S.PREFIXED_SHAPES)) {
    for (let sub = 0; sub < table.length + 16; sub++) {
      const shape = sub < table.length ? table[sub] : S.UNKNOWN;
      out.push({
        label: S.opcodeName(Number(prefix), sub),
        code: [Number(prefix), ...leb(sub), ...immediates(shape)],
        known: shape !== S.UNKNOWN,
        expectedUnreachables: 0,
      });
    }
  }
  return out;
}

describe("opcode immediates table", () => {
  const all = cases();

  test("agrees with wabt on which opcodes exist and how long their immediates are", () => {
    const disagreements: string[] = [];
    for (const c of all) {
      const text = wabtReads(c.code);
      if (c.known && text === null) disagreements.push(`${c.label}: we decode it, wabt cannot`);
      else if (c.known && text !== null && unreachables(text) !== c.expectedUnreachables)
        disagreements.push(`${c.label}: immediates length differs`);
      else if (!c.known && text !== null) disagreements.push(`${c.label}: wabt decodes it, we reject it`);
    }
    expect(disagreements).toEqual([]);
    expect(all.filter((c) => c.known).length).toBeGreaterThan(500);
  });

  test("the walker accepts every known opcode and rejects every unknown one by name", () => {
    const wrong: string[] = [];
    for (const c of all) {
      const result = prepareModule(oneFunction(c.code), LIMITS);
      const code = result.ok ? "ok" : result.rejection.code;
      // Known opcodes mostly fail engine validation (operand types), which comes after decoding.
      if (c.known && !["ok", "invalid_module"].includes(code)) wrong.push(`${c.label}: ${code}`);
      if (!c.known && code !== "unsupported_opcode") wrong.push(`${c.label}: ${code} instead of unsupported_opcode`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("post-MVP instructions pass through", () => {
  test("SIMD, relaxed SIMD, atomics, bulk memory, sign-ext, sat conversions, select t, multi-value", () => {
    const bytes = fixture("post-mvp");
    const prepared = prepareOk(bytes);
    const memory = new WebAssembly.Memory({ initial: prepared.memory.minPages, maximum: prepared.memory.maxPages });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(prepared.bytes), {
      env: { memory },
      edge_sandbox: { interrupt: () => 1000, stack_overflow: () => 0 },
    });
    const original = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const run = (i: WebAssembly.Instance) => (i.exports.run as () => number)();
    expect(run(instance)).toBe(run(original));
  });
});
