// Valid edge v1 modules of a chosen size, and their SHA-256.
import { createHash } from "node:crypto";
import { validModule } from "../../control/helpers";

export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

function leb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

/** A valid module whose bytes are unique to `marker`, padded with a custom section of `padBytes`. */
export function paddedModule(marker: string, padBytes: number): Uint8Array {
  const base = validModule(marker);
  const name = new TextEncoder().encode("pad");
  const payload = new Uint8Array(1 + name.length + padBytes);
  payload[0] = name.length;
  payload.set(name, 1);
  const section = new Uint8Array([0, ...leb128(payload.length), ...payload]);
  const out = new Uint8Array(base.length + section.length);
  out.set(base);
  out.set(section, base.length);
  return out;
}
