// Reads wasi-environ.wat's answer: "arg=<argv[i]>" and "env=<NAME=value>" lines.

export interface Environ {
  args: string[];
  /** NAME=value entries in the order the guest got them, repeats kept. */
  entries: [string, string][];
  /** The same, by name (a repeated name: its last value). */
  vars: Map<string, string>;
}

export function environOf(text: string): Environ {
  const args: string[] = [];
  const entries: [string, string][] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("arg=")) args.push(line.slice(4));
    else if (line.startsWith("env=")) {
      const eq = line.indexOf("=", 4);
      if (eq < 0) throw new Error(`an environment entry without "=": ${JSON.stringify(line)}`);
      entries.push([line.slice(4, eq), line.slice(eq + 1)]);
    } else if (line !== "") throw new Error(`not a wasi-environ line: ${JSON.stringify(line)}`);
  }
  return { args, entries, vars: new Map(entries) };
}
