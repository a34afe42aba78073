// edge v1 response calls. Invalid input traps (GuestFault) instead of being silently fixed,
// so a guest bug shows up as a 500 with a logged reason, not as a malformed response.
import { GuestFault } from "../guest-fault";
import type { InvocationContext } from "../invocation-context";

import { FORBIDDEN_VALUE, MANAGED, MAX_HEADER_BYTES, MAX_HEADERS, TOKEN } from "./header-rules";

export function responseCalls(ctx: () => InvocationContext) {
  return {
    response_status(code: number): void {
      if (!(code >= 200 && code <= 599))
        throw new GuestFault("trap", `response_status(${code}): status must be 200..599`);
      ctx().status = code;
    },
    response_header(name: number, nameLen: number, value: number, valueLen: number): void {
      const c = ctx();
      const key = c.memory.string(name, nameLen);
      // Header values are bytes on the wire: latin1 keeps each guest byte as one char.
      const val = Buffer.from(c.memory.slice(value, valueLen)).toString("latin1");
      if (!TOKEN.test(key))
        throw new GuestFault("trap", `response_header: invalid header name ${JSON.stringify(key.slice(0, 64))}`);
      if (FORBIDDEN_VALUE.test(val))
        throw new GuestFault(
          "trap",
          `response_header: value of "${key}" contains a control character (CR, LF, NUL, ...)`,
        );
      const lower = key.toLowerCase();
      if (MANAGED.has(lower)) return;
      c.headerBytes += key.length + val.length;
      if (c.headers.length >= MAX_HEADERS || c.headerBytes > MAX_HEADER_BYTES) {
        throw new GuestFault(
          "response_too_large",
          `response headers over ${MAX_HEADERS} headers or ${MAX_HEADER_BYTES} bytes`,
        );
      }
      c.headers.push([lower, val]);
    },
    response_write(ptr: number, len: number): void {
      const c = ctx();
      const chunk = c.memory.slice(ptr, len);
      if (c.body.length + chunk.byteLength > c.fn.limits.maxResponseBytes) {
        throw new GuestFault("response_too_large", `response body over ${c.fn.limits.maxResponseBytes} bytes`);
      }
      if (chunk.byteLength > 0) c.body.append(chunk);
    },
  };
}
