// Replacements for the globals of the AssemblyScript standard library that would import
// from "env" (abort, seed, trace, console). edge v1 rejects any such import, so
// functions/build.ts always compiles this file in and aliases the globals to these with
// `--use abort=... --use seed=...` etc. Nothing here is exported: the aliases reach
// them by their internal names. (Date.now still imports env.Date.now: use now().)

import * as edge from "./edge-v1";
import { SCRATCH, SCRATCH_SIZE, appendTruncated, appendU32 } from "./buffers";

const DEBUG_LEVEL = 0;
const INFO_LEVEL = 1;
const WARN_LEVEL = 2;
const ERROR_LEVEL = 3;

function logLine(level: i32, line: string): void {
  const bytes = String.UTF8.encode(line);
  edge.log(level, changetype<usize>(bytes), bytes.byteLength);
}

/**
 * Logs "abort: <message> at <file>:<line>:<column>" at error level, then traps. It
 * writes into the scratch buffer and never allocates, since an abort can be the result
 * of running out of memory.
 */
function edgeAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const limit = SCRATCH + <usize>SCRATCH_SIZE - 24; // room for ":line:column"
  let at = appendTruncated(SCRATCH, limit, "abort: ");
  at = appendTruncated(at, limit, message ? message : "(no message)");
  if (fileName) {
    at = appendTruncated(at, limit, " at ");
    at = appendTruncated(at, limit, fileName);
    store<u8>(at++, 58); // ':'
    at = appendU32(at, line);
    store<u8>(at++, 58);
    at = appendU32(at, column);
  }
  edge.log(ERROR_LEVEL, SCRATCH, <i32>(at - SCRATCH));
  unreachable();
}

/** Seeds Math.random from the host's random source. */
function edgeSeed(): f64 {
  const bits = memory.data(8, 8);
  edge.random_fill(bits, 8);
  return reinterpret<f64>(load<u64>(bits));
}

/** trace() becomes a debug log line: the message and its first n numbers. */
function edgeTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let line = message;
  if (n > 0) line += " " + a0.toString();
  if (n > 1) line += ", " + a1.toString();
  if (n > 2) line += ", " + a2.toString();
  if (n > 3) line += ", " + a3.toString();
  if (n > 4) line += ", " + a4.toString();
  logLine(DEBUG_LEVEL, line);
}

/** console.* becomes edge logging, so habitual console.log calls do not import env.console.*. */
namespace edgeConsole {
  export function debug(message: string = ""): void { logLine(DEBUG_LEVEL, message); }
  export function log(message: string = ""): void { logLine(INFO_LEVEL, message); }
  export function info(message: string = ""): void { logLine(INFO_LEVEL, message); }
  export function warn(message: string = ""): void { logLine(WARN_LEVEL, message); }
  export function error(message: string = ""): void { logLine(ERROR_LEVEL, message); }
}
