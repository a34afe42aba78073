// Log lines go to the host, which adds the function name and request id. Levels are
// the indexes of LOG_LEVELS in core/abi/edge-v1.ts.

import * as edge from "./edge-v1";
import { SCRATCH, encodeToScratch, fitsScratch, utf8 } from "./buffers";

const DEBUG = 0;
const INFO = 1;
const WARN = 2;
const ERROR = 3;

/** One call is one line, so a long message is encoded whole rather than chunked. */
function emit(level: i32, message: string): void {
  if (fitsScratch(message)) {
    edge.log(level, SCRATCH, encodeToScratch(message));
  } else {
    const bytes = utf8(message);
    edge.log(level, changetype<usize>(bytes), bytes.byteLength);
  }
}

export namespace log {
  export function debug(message: string): void { emit(DEBUG, message); }
  export function info(message: string): void { emit(INFO, message); }
  export function warn(message: string): void { emit(WARN, message); }
  export function error(message: string): void { emit(ERROR, message); }
}
