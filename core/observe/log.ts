// One JSON object per line on stdout, from the main thread and from workers alike,
// so that a function's lines can be found by request id or function name with grep/jq.

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(
  minLevel: LogLevel,
  base: Record<string, unknown> = {},
  write: (line: string) => void = writeStdout,
): Logger {
  const min = RANK[minLevel];
  return {
    enabled: (level) => RANK[level] >= min,
    log(level, msg, fields) {
      if (RANK[level] < min) return;
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }) + "\n");
    },
  };
}

function writeStdout(line: string): void {
  process.stdout.write(line);
}

/**
 * Lines gathered over one turn of the event loop and written together: a busy runner logs a
 * line per invocation, tens per turn, and one write per line cost 5-10% of its throughput
 * (docs/performance.md). A kill -9 loses at most that turn's lines; exit flushes. Workers keep writing line by
 * line: a worker replaced by the watchdog must not take a guest's last lines with it.
 */
export function bufferedStdout(): (line: string) => void {
  let pending = "";
  const flush = () => {
    if (pending === "") return;
    const text = pending;
    pending = "";
    process.stdout.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending === "") setImmediate(flush);
    pending += line;
  };
}
