// The invocation's WASI state, made on its first WASI call (wasi-state.ts says what it holds),
// and what is left to do with it once the guest has stopped.
import type { InvocationContext } from "../../invocation-context";
import { OutputLines } from "./output-lines";
import { WasiMemory } from "./wasi-memory";
import type { WasiState } from "./wasi-state";

export function wasiState(ctx: InvocationContext): WasiState {
  if (ctx.wasi) return ctx.wasi;
  ctx.wasi = {
    memory: new WasiMemory(ctx.memory.memory),
    stdinAt: 0,
    environ: null,
    stdout: ctx.fn.runtime === "wasi" ? null : new OutputLines("stdout", "info"),
    stderr: new OutputLines("stderr", "info"),
    startedNs: process.hrtime.bigint(),
  };
  return ctx.wasi;
}

/** Logs what the guest left unterminated on stdout and stderr; once it has stopped. */
export function flushOutput(ctx: InvocationContext): void {
  if (!ctx.wasi) return;
  ctx.wasi.stdout?.flush(ctx);
  ctx.wasi.stderr.flush(ctx);
}
