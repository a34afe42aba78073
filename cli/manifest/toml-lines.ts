// Where a key sits in a TOML text: Bun.TOML.parse gives values without positions (the `line` of
// its error is that of the code that threw), so a manifest error names its line from here. A light scan, enough for manifests: table headers (`[build]`),
// `key = value` lines with bare, quoted and dotted keys, and inline tables, whose keys are on the
// line of the key that holds them. Lines inside multi-line strings and arrays are skipped.

/** 1-based line of the key at `path` (["build", "watch"]); the closest enclosing key's line, else 0. */
export function lineOfKey(text: string, path: readonly string[]): number {
  let best = { depth: 0, line: 0 };
  const consider = (keys: readonly string[], line: number) => {
    const depth = sharedPrefix(keys, path);
    if (depth > best.depth && (depth === keys.length || depth === path.length)) best = { depth, line };
  };
  let table: string[] = [];
  let open: string | null = null; // the delimiter of a multi-line value being skipped
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (open !== null) {
      if (closes(raw, open)) open = null;
      return;
    }
    const header = raw.match(/^\s*\[(?!\[)\s*([^\]]+?)\s*\]\s*(#.*)?$/);
    if (header) {
      table = splitKey(header[1]!);
      consider(table, line);
      return;
    }
    const pair = raw.match(
      /^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*=(.*)$/,
    );
    if (!pair) return;
    const keys = [...table, ...splitKey(pair[1]!)];
    consider(keys, line);
    const value = pair[2]!;
    // Keys of an inline table on this line: `build = { command = "x", wat = 1 }`.
    for (const inner of value.matchAll(/[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=/g))
      consider([...keys, unquote(inner[1]!)], line);
    open = opensMultiline(value);
  });
  return best.line;
}

function sharedPrefix(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function splitKey(key: string): string[] {
  const parts = key.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+/g) ?? [];
  return parts.map(unquote);
}

function unquote(part: string): string {
  if (part.startsWith('"')) return JSON.parse(part) as string;
  if (part.startsWith("'")) return part.slice(1, -1);
  return part;
}

/** The closing delimiter when `value` starts a multi-line string or array it does not close. */
function opensMultiline(value: string): string | null {
  const trimmed = value.trim();
  for (const quote of ['"""', "'''"]) if (trimmed.startsWith(quote) && !trimmed.slice(3).includes(quote)) return quote;
  if (trimmed.startsWith("[")) {
    const bare = trimmed.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""');
    const depth = [...bare.replace(/#.*$/, "")].reduce((d, c) => d + (c === "[" ? 1 : c === "]" ? -1 : 0), 0);
    if (depth > 0) return "]";
  }
  return null;
}

function closes(raw: string, delimiter: string): boolean {
  if (delimiter !== "]") return raw.includes(delimiter);
  return /^\s*\]/.test(raw.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""')) || /\]\s*(#.*)?$/.test(raw);
}

/**
 * The line of a syntax error: the first line at which the text up to it fails to parse with the
 * same message as the whole (a prefix cut inside a valid multi-line value fails differently).
 */
export function syntaxErrorLine(text: string, message: string): number {
  const lines = text.split("\n");
  for (let n = 1; n <= Math.min(lines.length, 2000); n++) {
    try {
      Bun.TOML.parse(`${lines.slice(0, n).join("\n")}\n`);
    } catch (error) {
      if ((error as Error).message === message) return n;
    }
  }
  return 0;
}
