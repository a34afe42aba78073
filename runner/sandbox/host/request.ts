// edge v1 request getters: translate guest pointers to request data, nothing more. The request
// arrives as bytes (wire.ts), so most getters are one bounds-checked copy.
import type { InvocationContext } from "../invocation-context";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

export function requestCalls(ctx: () => InvocationContext) {
  return {
    request_method(buf: number, cap: number): number {
      const c = ctx();
      return c.memory.copyOut(buf, cap, c.request.method);
    },
    request_uri(buf: number, cap: number): number {
      const c = ctx();
      return c.memory.copyOut(buf, cap, c.request.uri);
    },
    request_header(name: number, nameLen: number, buf: number, cap: number): number {
      const c = ctx();
      const wanted = c.memory.string(name, nameLen).toLowerCase();
      c.headerMap ??= parseHeaders(decoder.decode(c.request.headers));
      const value = c.headerMap.get(wanted);
      if (value === undefined) {
        c.memory.slice(buf, cap); // the buffer must still be valid guest memory
        return -1;
      }
      return c.memory.copyOut(buf, cap, encoder.encode(value));
    },
    request_headers(buf: number, cap: number): number {
      const c = ctx();
      return c.memory.copyOut(buf, cap, c.request.headers);
    },
    request_body(buf: number, cap: number): number {
      const c = ctx();
      return c.memory.copyOut(buf, cap, c.request.body ?? EMPTY);
    },
  };
}

/** "name: value\n" lines (lower-case names) -> map, joining repeats with ", ". */
function parseHeaders(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(": ");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 2);
    const prior = map.get(name);
    map.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  return map;
}
