// Where a command's words go. Text mode: results and progress on stdout, warnings on stderr.
// --json: stdout holds exactly one JSON document (the result, or {"error": ...}), so a script
// can pipe it to jq; progress and warnings go to stderr.

export interface Output {
  readonly json: boolean;
  /** A line of the human-readable result (dropped with --json). */
  line(text: string): void;
  /** Progress as it happens: stdout, or stderr with --json. */
  progress(text: string): void;
  warn(text: string): void;
  /** The result: `data` as JSON with --json, else the text lines. */
  result(data: unknown, text?: readonly string[]): void;
}

export function createOutput(json: boolean): Output {
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const err = (text: string) => process.stderr.write(`${text}\n`);
  return {
    json,
    line: (text) => (json ? undefined : out(text)),
    progress: (text) => (json ? err(text) : out(text)),
    warn: (text) => err(`edge: warning: ${text}`),
    result(data, text = []) {
      if (json) out(JSON.stringify(data, null, 2));
      else for (const line of text) out(line);
    },
  };
}

/** Rows as aligned columns (the last column is not padded). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
