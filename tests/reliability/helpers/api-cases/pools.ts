// The pools every case of the control-plane API fuzz draws from: strings, numbers and values no
// field accepts, hostile JSON objects, byte flips, percent-encoding, unknown ids and multipart
// bodies. Every value is invalid by construction (see api-cases.ts).
import type { Prng } from "../../../pipeline/prng";

export interface ApiCase {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  parser?: true;
}

export const enc = new TextEncoder();
export const JSON_TYPE = { "content-type": "application/json" };
export const MB = 1024 * 1024;

/** Strings no field accepts as a name, an id or a route. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "..",
  "../",
  "../../etc/passwd",
  "..\\..\\windows",
  "%2e%2e",
  "%2e%2e%2f",
  "..%2f..%2f",
  "%252e%252e",
  "\u0000",
  "a\u0000b",
  "%00",
  "UPPER",
  "-x",
  "x".repeat(64),
  "x".repeat(70_000),
  "\u202egnp.exe",
  "😀",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "${7*7}",
  "{{7*7}}",
  "a\r\nX-Injected: 1",
  "/",
  "\\",
  "C:\\x",
  "~root",
  "*",
  "\ud800",
  "%ff%fe",
  "\u0085",
  "\t",
];
export const HOSTILE_NUMBERS = [0, -1, 1.5, 16385, 60001, 2 ** 53, -(2 ** 31), 1e308, -0.0001];
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  [],
  {},
  [[]],
  { a: {} },
  "16",
  ...HOSTILE_NUMBERS,
  ...HOSTILE_STRINGS.slice(0, 12),
];
export const FIELDS = ["name", "entrypoint", "runtime", "memory_pages", "max_execution_ms", "env", "routes"] as const;

/** A value `field` refuses. */
export function invalidValue(rng: Prng, field: (typeof FIELDS)[number] | "version"): unknown {
  switch (field) {
    case "name":
    case "entrypoint":
      return rng.chance(0.7)
        ? rng.pick(HOSTILE_STRINGS.filter((s) => !/^[a-z0-9][a-z0-9-]{0,62}$/.test(s)))
        : rng.pick(HOSTILE_VALUES.filter((v) => typeof v !== "string"));
    case "runtime":
      return rng.pick(["js", "WASM", "", null, 1, "wasm\u0000"]);
    case "memory_pages":
    case "max_execution_ms":
    case "version":
      return rng.pick([
        ...HOSTILE_NUMBERS.filter((n) => !Number.isInteger(n) || n < 1 || n > 16384),
        "1",
        null,
        [],
        true,
        1.5,
      ]);
    case "env":
      return rng.pick<unknown>([
        [],
        "x",
        { "1A": "x" },
        { A: 1 },
        { A: null },
        { [`K${"k".repeat(200)}`]: "v" },
        { A: "x".repeat(16_385) },
        { "a-b": "x" },
        { "": "x" },
        Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`K${i}`, "v"])),
      ]);
    case "routes":
      return rng.pick<unknown>([
        "x",
        [1],
        ["x"],
        ["/a/*/b"],
        [`/${"a".repeat(300)}`],
        ["/a", "/a"],
        Array.from({ length: 33 }, (_, i) => `/r${i}`),
        ["/a b"],
        ["/\u0000"],
        ["//"],
        null,
      ]);
  }
}

export function anyValue(rng: Prng, field: (typeof FIELDS)[number]): unknown {
  if (rng.chance(0.5)) return invalidValue(rng, field);
  return {
    name: "valid-name",
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    env: { A: "b" },
    routes: ["/ok"],
  }[field];
}

/** A JSON object with at least two fields the schema refuses (so one flipped byte can't make it valid). */
export function hostileObject(rng: Prng, fields: readonly (typeof FIELDS)[number][]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const bad = new Set([rng.pick(fields), rng.pick(fields)]);
  for (const field of fields)
    if (bad.has(field) || rng.chance(0.5))
      body[field] = bad.has(field) ? invalidValue(rng, field) : anyValue(rng, field);
  if (bad.size < 2 || rng.chance(0.3))
    body[rng.pick(["admin", "id", "active_version", "__proto__", "constructor", "created_at", "x".repeat(300)])] =
      rng.pick(HOSTILE_VALUES);
  return body;
}

/** Flips bytes in place (never inserts or deletes), so unknown keys stay unknown. */
export function flip(rng: Prng, text: string): Uint8Array {
  const bytes = enc.encode(text);
  for (let n = 1 + rng.int(3); n > 0 && bytes.length > 0; n--)
    bytes[rng.int(bytes.length)] = rng.chance(0.5) ? bytes[rng.int(bytes.length)]! ^ (1 << rng.int(8)) : rng.int(256);
  return bytes;
}

/** Percent-encodes every UTF-8 byte of `text` outside `keep` (lone surrogates become U+FFFD). */
export function pct(text: string, keep: RegExp): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8"))
    out += keep.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, "0")}`;
  return out;
}

/** A path segment for an id that no function has: percent-encoded, or raw (`../` reaches the server un-normalised). */
export function hostileId(rng: Prng): { segment: string; raw: boolean } {
  const raw = rng.chance(0.3);
  const value = rng.pick([
    ...HOSTILE_STRINGS.filter((s) => s.length < 1000),
    "01234567-89ab-cdef-0123-456789abcdef",
    "x".repeat(65),
    "0".repeat(2000),
  ]);
  const segment = raw ? pct(value, /[\x21-\x7e]/) : pct(value, /[A-Za-z0-9_~-]/);
  return { segment: segment || "%20", raw };
}

export function multipart(
  parts: { headers: string; body: string | Uint8Array }[],
  boundary = "fuzzboundary",
  closing = true,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const part of parts)
    chunks.push(
      enc.encode(`--${boundary}\r\n${part.headers}\r\n\r\n`),
      typeof part.body === "string" ? enc.encode(part.body) : part.body,
      enc.encode("\r\n"),
    );
  if (closing) chunks.push(enc.encode(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}
export const fileHeaders =
  'Content-Disposition: form-data; name="file"; filename="m.wasm"\r\nContent-Type: application/wasm';
export const MP = (boundary = "fuzzboundary") => ({ "content-type": `multipart/form-data; boundary=${boundary}` });
