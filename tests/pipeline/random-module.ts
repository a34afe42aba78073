// Generates random valid modules as WAT: functions over i32/i64 with blocks, ifs, bounded
// loops, early returns, direct and indirect calls (only to lower-numbered functions, so
// everything terminates), globals, memory and edge imports. Used to compare original and
// prepared. Every function sits in the table, so those that call indirectly form a cycle
// through it: the pipeline counts their frames (call-graph.ts), and the comparison covers that.

import type { Prng } from "./prng.ts";

type T = "i32" | "i64";

interface Sig {
  readonly params: readonly T[];
  readonly result: T;
}

const SIGS: readonly Sig[] = [
  { params: ["i32"], result: "i32" },
  { params: ["i32", "i64"], result: "i64" },
  { params: [], result: "i32" },
  { params: ["i64", "i64"], result: "i32" },
];

const BINOPS = ["add", "sub", "mul", "xor", "and", "or", "shl", "shr_u", "shr_s", "rotl", "div_u", "rem_s"];
const CMPOPS = ["eq", "ne", "lt_s", "gt_u", "le_u", "ge_s"];

export interface RandomModule {
  readonly wat: string;
  /** Exported function names with their signatures, to call them with matching arguments. */
  readonly exports: readonly { name: string; params: readonly T[] }[];
}

class FunctionGen {
  private loops = 0;
  private readonly counters: string[] = [];

  constructor(
    private readonly rng: Prng,
    private readonly index: number,
    private readonly sig: Sig,
    private readonly sigOf: (i: number) => Sig,
  ) {}

  locals(): string {
    return `(local $a i32) (local $b i64) ${this.counters.map((c) => `(local ${c} i32)`).join(" ")}`;
  }

  expr(t: T, depth: number): string {
    const r = this.rng;
    const leaf = depth <= 0 || r.chance(0.3);
    if (leaf) {
      switch (r.int(4)) {
        case 0:
          return `(${t}.const ${r.int(2000) - 1000})`;
        case 1:
          return t === "i32" ? "(local.get $a)" : "(local.get $b)";
        case 2:
          return t === "i32" ? "(global.get $g32)" : "(global.get $g64)";
        default: {
          const params = this.sig.params.map((p, i) => ({ p, i })).filter((x) => x.p === t);
          return params.length > 0 ? `(local.get ${r.pick(params).i})` : `(${t}.const ${r.int(100)})`;
        }
      }
    }
    const d = depth - 1;
    switch (r.int(10)) {
      case 0:
      case 1:
      case 2:
        return `(${t}.${r.pick(BINOPS)} ${this.expr(t, d)} ${this.expr(t, d)})`;
      case 3: {
        if (t === "i64") return `(i64.extend_i32_s ${this.expr("i32", d)})`;
        const operand = r.pick(["i32", "i64"] as const);
        return `(${operand}.${r.pick(CMPOPS)} ${this.expr(operand, d)} ${this.expr(operand, d)})`;
      }
      case 4:
        return t === "i32" ? `(i32.wrap_i64 ${this.expr("i64", d)})` : `(i64.extend_i32_u ${this.expr("i32", d)})`;
      case 5:
        return `(select ${this.expr(t, d)} ${this.expr(t, d)} ${this.expr("i32", d)})`;
      case 6:
        return `(if (result ${t}) ${this.expr("i32", d)} (then ${this.stmt(d)} ${this.expr(t, d)}) (else ${this.expr(t, d)}))`;
      case 7:
        return `(block (result ${t}) ${this.stmt(d)} ${this.expr(t, d)})`;
      case 8:
        return t === "i32"
          ? `(i32.load (i32.and ${this.expr("i32", d)} (i32.const 0xffc)))`
          : `(i64.load (i32.const 64))`;
      default:
        return this.call(t, d);
    }
  }

  private call(t: T, depth: number): string {
    const r = this.rng;
    const candidates = [...Array(this.index).keys()].filter((i) => this.sigOf(i).result === t);
    if (candidates.length === 0) {
      return t === "i32" ? `(call $method ${this.expr("i32", depth)} (i32.const 7))` : `(i64.const ${r.int(50)})`;
    }
    const callee = r.pick(candidates);
    const sig = this.sigOf(callee);
    const args = sig.params.map((p) => this.expr(p, depth)).join(" ");
    if (r.chance(0.3)) {
      // Indirect: the table holds function i at slot i; a mismatched slot traps the same way in both.
      const slot = r.chance(0.8) ? callee : r.int(this.index);
      return `(call_indirect (type $sig${SIGS.indexOf(sig)}) ${args} (i32.const ${slot}))`;
    }
    return `(call $f${callee} ${args})`;
  }

  stmt(depth: number): string {
    const r = this.rng;
    const d = depth - 1;
    switch (r.int(8)) {
      case 0:
        return `(local.set $a ${this.expr("i32", d)})`;
      case 1:
        return `(local.set $b ${this.expr("i64", d)})`;
      case 2:
        return `(global.set $g32 (i32.add (global.get $g32) ${this.expr("i32", d)}))`;
      case 3:
        return `(i32.store (i32.and ${this.expr("i32", d)} (i32.const 0xffc)) ${this.expr("i32", d)})`;
      case 4:
        return `(call $status ${this.expr("i32", d)})`;
      case 5: {
        if (depth <= 0 || this.loops >= 3) return "(nop)";
        const c = `$c${this.loops++}`;
        this.counters.push(c);
        const label = `$l${c.slice(2)}`;
        return `(local.set ${c} (i32.const ${1 + r.int(6)})) (loop ${label} ${this.stmt(d)} ${this.stmt(d)} (br_if ${label} (local.tee ${c} (i32.sub (local.get ${c}) (i32.const 1)))))`;
      }
      case 6:
        // An early way out: counted functions must give their frame back here too.
        return `(if ${this.expr("i32", d)} (then (return ${this.expr(this.sig.result, d)})))`;
      default:
        return `(block $out (br_if $out ${this.expr("i32", d)}) ${this.stmt(d)})`;
    }
  }
}

export function randomModule(rng: Prng): RandomModule {
  const count = 2 + rng.int(7);
  const sigs = Array.from({ length: count }, () => rng.pick(SIGS));
  const funcs: string[] = [];
  for (let i = 0; i < count; i++) {
    const sig = sigs[i];
    const gen = new FunctionGen(rng, i, sig, (j) => sigs[j]);
    const body = Array.from({ length: 1 + rng.int(4) }, () => gen.stmt(3)).join("\n    ");
    const result = gen.expr(sig.result, 3);
    const params = sig.params.map((p) => `(param ${p})`).join(" ");
    funcs.push(
      `  (func $f${i} (export "f${i}") (type $sig${SIGS.indexOf(sig)}) ${params} (result ${sig.result}) ${gen.locals()}\n    ${body}\n    ${result})`,
    );
  }
  const wat = `(module
  (import "edge" "request_method" (func $method (param i32 i32) (result i32)))
  (import "edge" "response_status" (func $status (param i32)))
  ${SIGS.map((s, i) => `(type $sig${i} (func ${s.params.map((p) => `(param ${p})`).join(" ")} (result ${s.result})))`).join("\n  ")}
  (memory ${1 + rng.int(2)})
  (table ${count} funcref)
  (elem (i32.const 0) ${sigs.map((_, i) => `$f${i}`).join(" ")})
  (global $g32 (mut i32) (i32.const ${rng.int(1000)}))
  (global $g64 (mut i64) (i64.const ${rng.int(1000)}))
  (func (export "handle"))
${funcs.join("\n")})`;
  return { wat, exports: sigs.map((s, i) => ({ name: `f${i}`, params: s.params })) };
}
