// Clock and randomness, both provided by the host (a guest has no other source).

import * as edge from "./edge-v1";

/** Wall-clock time in milliseconds since the Unix epoch. */
export function now(): f64 {
  return edge.time_now_ms();
}

/** n cryptographically secure random bytes from the host. */
export function randomBytes(n: i32): Uint8Array {
  const out = new Uint8Array(n);
  edge.random_fill(out.dataStart, n);
  return out;
}
