// edge v1 request getters: translate guest pointers to request data, nothing more. The request
// arrives as bytes (wire.ts), so most getters are one bounds-checked copy.
import type { InvocationContext } from "../invocation-context";
import { parseLines } from "./header-lines";

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
      c.headerMap ??= parseLines(decoder.decode(c.request.headers), ": ");
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
