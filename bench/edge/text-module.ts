// Small distinct guests for the edge benchmarks: each answers its own text, so its bytes (and
// SHA-256) differ from every other's, and a response says which one answered.
import { wat } from "../../tests/fixtures/wat";

function moduleWat(text: string, fillerFunctions = 0): string {
  const bytes = new TextEncoder().encode(text);
  const escaped = [...bytes].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
  // Code that is compiled but never called, like most of a real module on any one request.
  const filler = Array.from({ length: fillerFunctions }, (_, k) => `(func (param $a i32) (result i32) (local $i i32)
    (block $d (loop $l (br_if $d (i32.ge_u (local.get $i) (local.get $a)))
      (local.set $a (i32.add (i32.mul (local.get $a) (i32.const ${k + 3})) (i32.const ${k * 7919})))
      (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))
    (local.get $a))`).join("\n");
  return `(module
    (import "edge" "response_write" (func $write (param i32 i32)))
    (memory 1)
    (data (i32.const 1024) "${escaped}")
    (func (export "handle") (call $write (i32.const 1024) (i32.const ${bytes.length})))
    ${filler})`;
}

/** A module answering `text`. */
export function textModule(text: string): Uint8Array {
  return wat(moduleWat(text));
}

const PLACEHOLDER = "#".repeat(4);

/**
 * `count` modules of about `codeKiB` KiB each (0: ~130 bytes), module i answering `textOf(i)`.
 * Compiled once; each copy has its number written over a placeholder in the data segment.
 */
export function numberedModules(count: number, codeKiB: number, textOf: (i: number) => string): Uint8Array[] {
  const template = textOf(0).replace(/\d{4}/, PLACEHOLDER);
  if (!template.includes(PLACEHOLDER) || count > 10_000) throw new Error("textOf(i) must hold i as 4 digits");
  // One filler function is ~53 bytes.
  const bytes = wat(moduleWat(template, Math.round((codeKiB * 1024) / 53)));
  const encoder = new TextEncoder();
  const start = findBytes(bytes, encoder.encode(template));
  return Array.from({ length: count }, (_, i) => {
    const text = encoder.encode(textOf(i));
    if (text.length !== template.length) throw new Error(`textOf(${i}) does not fit ${template}`);
    const copy = bytes.slice();
    copy.set(text, start);
    return copy;
  });
}

function findBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("placeholder not found in the module");
}
