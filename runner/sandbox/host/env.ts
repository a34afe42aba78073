// edge v1 `env_get`: only variables configured for this function exist; the host's
// own environment is never visible to guests.
import type { InvocationContext } from "../invocation-context";

const encoder = new TextEncoder();

export function envCalls(ctx: () => InvocationContext) {
  return {
    env_get(name: number, nameLen: number, buf: number, cap: number): number {
      const c = ctx();
      const key = c.memory.string(name, nameLen);
      const value = Object.hasOwn(c.fn.env, key) ? c.fn.env[key] : undefined;
      if (value === undefined) {
        c.memory.slice(buf, cap);
        return -1;
      }
      return c.memory.copyOut(buf, cap, encoder.encode(value));
    },
  };
}
