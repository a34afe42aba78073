// One JSON object per line on stdout, from the main thread and from workers alike,
// so that a function's lines can be found by request id or function name with grep/jq.

export type LogLevel = "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

export function createLogger(minLevel: LogLevel, base: Record<string, unknown> = {}, write: (line: string) => void = writeStdout): Logger {
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
