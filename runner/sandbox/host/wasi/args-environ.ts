// args_* and environ_*: argv is [function name]; the environment is the request's CGI
// variables and the function's env for a WASI function (cgi-environment.ts), the function's env
// alone for an edge ABI module. Both are written in the preview 1 layout: an array of pointers
// into one buffer of NUL-terminated strings.
import type { InvocationContext } from "../../invocation-context";
import { cgiEnvironment, encodedEnv } from "./cgi-environment";
import type { WasiMemory } from "./wasi-memory";
import { wasiState } from "./wasi-context";

const encoder = new TextEncoder();

function args(ctx: InvocationContext): Uint8Array[] {
  return [encoder.encode(ctx.fn.name)];
}

function environ(ctx: InvocationContext): Uint8Array[] {
  const state = wasiState(ctx);
  state.environ ??= ctx.fn.runtime === "wasi" ? cgiEnvironment(ctx) : encodedEnv(ctx.fn.env).map(([, entry]) => entry);
  return state.environ;
}

function sizes(memory: WasiMemory, list: Uint8Array[], countPtr: number, sizePtr: number): number {
  let bytes = 0;
  for (const entry of list) bytes += entry.byteLength + 1;
  memory.setU32(countPtr, list.length);
  memory.setU32(sizePtr, bytes);
  return 0;
}

function write(memory: WasiMemory, list: Uint8Array[], pointers: number, buffer: number): number {
  let bytes = 0;
  for (const entry of list) bytes += entry.byteLength + 1;
  // Both ranges are checked before anything is written.
  memory.slice(pointers, list.length * 4);
  const target = memory.slice(buffer, bytes);
  let at = 0;
  for (let i = 0; i < list.length; i++) {
    memory.setU32(pointers + i * 4, (buffer >>> 0) + at);
    target.set(list[i], at);
    target[at + list[i].byteLength] = 0;
    at += list[i].byteLength + 1;
  }
  return 0;
}

export function argsEnvironCalls(ctx: () => InvocationContext) {
  return {
    args_sizes_get(countPtr: number, sizePtr: number): number {
      const c = ctx();
      return sizes(wasiState(c).memory, args(c), countPtr, sizePtr);
    },
    args_get(pointers: number, buffer: number): number {
      const c = ctx();
      return write(wasiState(c).memory, args(c), pointers, buffer);
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const c = ctx();
      return sizes(wasiState(c).memory, environ(c), countPtr, sizePtr);
    },
    environ_get(pointers: number, buffer: number): number {
      const c = ctx();
      return write(wasiState(c).memory, environ(c), pointers, buffer);
    },
  };
}
