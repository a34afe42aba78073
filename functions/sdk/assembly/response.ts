// The response being built. The host keeps the state: status defaults to 200, headers
// and body are appended in call order, and a non-empty body with no content-type is
// sent as text/plain; charset=utf-8.

import * as edge from "./edge-v1";
import { SCRATCH, chunkEnd, encodeToScratch, utf8 } from "./buffers";

export namespace Response {
  /** Sets the status; outside 200..599 the host traps. */
  export function status(code: i32): void {
    edge.response_status(code);
  }

  /** Appends a header; an invalid name or a value with CR or LF makes the host trap. */
  export function header(name: string, value: string): void {
    const n = utf8(name);
    const v = utf8(value);
    edge.response_header(changetype<usize>(n), n.byteLength, changetype<usize>(v), v.byteLength);
  }

  /**
   * Appends s as UTF-8. It goes through the scratch buffer in chunks instead of one heap
   * copy, so writing costs no allocation and a large string does not need 1.5x its size
   * free in a memory that is capped.
   */
  export function write(s: string): void {
    let from = 0;
    while (from < s.length) {
      const to = chunkEnd(s, from);
      edge.response_write(SCRATCH, encodeToScratch(s, from, to));
      from = to;
    }
  }

  /** Appends raw bytes. */
  export function writeBytes(bytes: Uint8Array): void {
    edge.response_write(bytes.dataStart, bytes.byteLength);
  }
}
