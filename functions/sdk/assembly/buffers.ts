// Moving bytes across the edge v1 boundary without the user seeing a pointer.
// Most values (method, uri, a header, a log line) are short, so a static scratch
// buffer takes them in one host call and with no heap allocation; larger ones get a
// second call into a heap buffer of the exact size the first call reported.

import * as edge from "./edge-v1";

export const SCRATCH_SIZE: i32 = 1024;
export const SCRATCH: usize = memory.data(SCRATCH_SIZE, 16);

/** Which getter to call; a constant argument lets the optimizer fold the switch away. */
export const enum Getter { Method, Uri, Header, Headers, Body, Env }

function call(getter: Getter, key: usize, keyLen: i32, buf: usize, cap: i32): i32 {
  switch (getter) {
    case Getter.Method: return edge.request_method(buf, cap);
    case Getter.Uri: return edge.request_uri(buf, cap);
    case Getter.Header: return edge.request_header(key, keyLen, buf, cap);
    case Getter.Headers: return edge.request_headers(buf, cap);
    case Getter.Body: return edge.request_body(buf, cap);
    default: return edge.env_get(key, keyLen, buf, cap);
  }
}

/** The getter's bytes, or null when the host answered -1 (absent). */
export function getBytes(getter: Getter, key: ArrayBuffer | null = null): ArrayBuffer | null {
  const keyPtr = changetype<usize>(key);
  const keyLen = key ? key.byteLength : 0;
  const n = call(getter, keyPtr, keyLen, SCRATCH, SCRATCH_SIZE);
  if (n < 0) return null;
  const out = new ArrayBuffer(n);
  if (n <= SCRATCH_SIZE) memory.copy(changetype<usize>(out), SCRATCH, n);
  else call(getter, keyPtr, keyLen, changetype<usize>(out), n);
  return out;
}

/** The getter's bytes decoded as UTF-8, or null when absent. */
export function getString(getter: Getter, key: ArrayBuffer | null = null): string | null {
  const keyPtr = changetype<usize>(key);
  const keyLen = key ? key.byteLength : 0;
  const n = call(getter, keyPtr, keyLen, SCRATCH, SCRATCH_SIZE);
  if (n < 0) return null;
  if (n <= SCRATCH_SIZE) return String.UTF8.decodeUnsafe(SCRATCH, n);
  const out = new ArrayBuffer(n);
  call(getter, keyPtr, keyLen, changetype<usize>(out), n);
  return String.UTF8.decode(out);
}

export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

// A UTF-16 code unit takes at most 3 UTF-8 bytes (a surrogate pair takes 4 for 2 units).
const MAX_UNITS_IN_SCRATCH: i32 = SCRATCH_SIZE / 3;

/** Whether s surely fits the scratch buffer once encoded. */
export function fitsScratch(s: string): bool {
  return s.length <= MAX_UNITS_IN_SCRATCH;
}

/** Encodes s[from, to) into the scratch buffer; the caller keeps to - from <= MAX_UNITS_IN_SCRATCH. */
export function encodeToScratch(s: string, from: i32 = 0, to: i32 = s.length): i32 {
  return <i32>String.UTF8.encodeUnsafe(changetype<usize>(s) + (<usize>from << 1), to - from, SCRATCH);
}

/**
 * Where the next scratch-sized chunk of s ends, counting from `from`. It never splits a
 * surrogate pair, so every chunk is valid UTF-8 on its own.
 */
export function chunkEnd(s: string, from: i32): i32 {
  let end = min(from + MAX_UNITS_IN_SCRATCH, s.length);
  if (end < s.length && (s.charCodeAt(end - 1) & 0xFC00) == 0xD800) end--;
  return end;
}

/**
 * Appends as much of s as fits before `limit` at `at`, returning the new end. Used where
 * allocating is not an option (abort may run because memory ran out).
 */
export function appendTruncated(at: usize, limit: usize, s: string): usize {
  const units = min(s.length, <i32>((limit - at) / 3));
  return at + String.UTF8.encodeUnsafe(changetype<usize>(s), units, at);
}

/** Appends the decimal digits of v at `at` (at most 10 bytes), returning the new end. */
export function appendU32(at: usize, v: u32): usize {
  let digits: i32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    store<u8>(at + i, 48 + v % 10);
    v /= 10;
  }
  return at + digits;
}
