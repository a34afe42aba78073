// What a WASI call needs of the invocation beyond the edge ABI's context: memory as WASI reads
// it, how much of stdin was read, the environment (built on first use), and where stdout and
// stderr go. Made on the first WASI call of an invocation, so edge ABI requests never pay for it.
import type { InvocationContext } from "../../invocation-context";
import { OutputLines } from "./output-lines";
import { WasiMemory } from "./wasi-memory";

export interface WasiState {
  memory: WasiMemory;
  /** Bytes of the request body read so far through fd 0. */
  stdinAt: number;
  /** "NAME=value" entries, built on the first environ call (cgi-environment.ts). */
  environ: Uint8Array[] | null;
  /**
   * Where fd 1 goes: null for a WASI function (the CGI response, into the context's body);
   * log lines for an edge ABI module, whose response is made by its edge calls.
   */
  stdout: OutputLines | null;
  stderr: OutputLines;
  /** process.hrtime.bigint() when the state was made: the zero of the CPU-time clocks. */
  startedNs: bigint;
}

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
