// What a WASI call needs of the invocation beyond the edge ABI's context: memory as WASI reads
// it, how much of stdin was read, the environment (built on first use), and where stdout and
// stderr go. Made on the first WASI call of an invocation (wasi-context.ts), so edge ABI
// requests never pay for it.
import type { OutputLines } from "./output-lines";
import type { WasiMemory } from "./wasi-memory";

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
