// edge v1 request getters: translate guest pointers to request data, nothing more.
import type { InvocationContext } from "../invocation-context";

const encoder = new TextEncoder();

export function requestCalls(ctx: () => InvocationContext) {
  return {
    request_method(buf: number, cap: number): number {
      const c = ctx();
      c.encoded.method ??= encoder.encode(c.request.method);
      return c.memory.copyOut(buf, cap, c.encoded.method);
    },
    request_uri(buf: number, cap: number): number {
      const c = ctx();
      c.encoded.uri ??= encoder.encode(c.request.uri);
      return c.memory.copyOut(buf, cap, c.encoded.uri);
    },
    request_header(name: number, nameLen: number, buf: number, cap: number): number {
      const c = ctx();
      const wanted = c.memory.string(name, nameLen).toLowerCase();
      let joined: string | null = null;
      for (const [key, value] of c.request.headers) {
        if (key === wanted) joined = joined === null ? value : `${joined}, ${value}`;
      }
      if (joined === null) {
        c.memory.slice(buf, cap); // the buffer must still be valid guest memory
        return -1;
      }
      return c.memory.copyOut(buf, cap, encoder.encode(joined));
    },
    request_headers(buf: number, cap: number): number {
      const c = ctx();
      c.encoded.headers ??= encoder.encode(c.request.headers.map(([k, v]) => `${k}: ${v}\n`).join(""));
      return c.memory.copyOut(buf, cap, c.encoded.headers);
    },
    request_body(buf: number, cap: number): number {
      const c = ctx();
      return c.memory.copyOut(buf, cap, c.request.body ?? EMPTY);
    },
  };
}

const EMPTY = new Uint8Array(0);
