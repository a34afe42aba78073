// The import graph of the repository's .ts files, for tests/architecture.test.ts. Every way one
// file names another counts: import and export-from statements (type-only ones too: they are
// still a dependency on the other side's definitions), side-effect imports, `import("...")`
// (dynamic or in a type), `require("...")`, and `new URL("...", import.meta.url)` (a Worker's
// entry file). Comments, strings and regular expressions are skipped by a small lexer, so text
// that only looks like an import is not one. Bun.Transpiler's scanner drops type-only imports,
// hence this.
import { Glob } from "bun";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, posix } from "node:path";

export type ImportKind = "static" | "dynamic" | "require" | "worker";

export interface ImportRef {
  spec: string;
  kind: ImportKind;
  line: number;
}

export interface Import extends ImportRef {
  /** The importing file, relative to the repository root ("runner/serve.ts"). */
  from: string;
  /** The imported file relative to the root, or null for a package ("elysia", "node:fs"). */
  target: string | null;
}

export interface SourceFile {
  path: string;
  /** The source with comments removed and string contents blanked (for searching code). */
  code: string;
  imports: Import[];
}

/** Where the repository's own .ts files live; node_modules and build output are not ours. */
const SKIP = /^(node_modules|build|data|\.[^/]*)\//;

export function readImportGraph(root: string): SourceFile[] {
  const paths = [...new Glob("**/*.ts").scanSync({ cwd: root, dot: false })]
    .filter((path) => !SKIP.test(path) && !path.includes("/node_modules/"))
    .sort();
  return paths.map((path) => {
    const { code, imports } = scanSource(readFileSync(join(root, path), "utf8"));
    return {
      path,
      code,
      imports: imports.map((ref) => ({ ...ref, from: path, target: resolveSpec(root, path, ref.spec) })),
    };
  });
}

/** A relative specifier -> the file it names (as Bun resolves: exact, .ts, /index.ts); null for a package. */
function resolveSpec(root: string, from: string, spec: string): string | null {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return null;
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) {
    const full = join(root, candidate);
    if (existsSync(full) && statSync(full).isFile()) return candidate;
  }
  // Unresolved: kept as written so a rule still sees where it points; `bun run check` fails on it anyway.
  return base;
}

const PATTERNS: [ImportKind, RegExp][] = [
  // import x from "a"; import type { X } from "a"; export { x } from "a"; export * from "a"
  ["static", /(?<![.\w$])(?:import\b(?!\s*[.(])|export\b)[^;"]*?\bfrom\s*"(\d+)"/g],
  // import "a"
  ["static", /(?<![.\w$])import\s*"(\d+)"/g],
  // import("a"), also typeof import("a")
  ["dynamic", /(?<![.\w$])import\s*\(\s*"(\d+)"\s*\)/g],
  ["require", /(?<![.\w$])require\s*\(\s*"(\d+)"\s*\)/g],
  ["worker", /(?<![.\w$])new\s+URL\s*\(\s*"(\d+)"\s*,\s*import\.meta\.url\s*\)/g],
];

/** The imports of one source text, each with the line its specifier is on. */
export function scanSource(source: string): { code: string; imports: ImportRef[] } {
  const { code, strings } = lex(source);
  const seen = new Set<number>();
  const imports: ImportRef[] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const match of code.matchAll(pattern)) {
      const index = Number(match[1]);
      if (seen.has(index)) continue;
      seen.add(index);
      const literal = strings[index]!;
      imports.push({ spec: literal.value, kind, line: lineAt(source, literal.start) });
    }
  }
  return { code: code.replace(/"\d+"/g, '""'), imports: imports.sort((a, b) => a.line - b.line) };
}

interface Literal {
  value: string;
  start: number;
}

/** A character after which `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([..."(,=:[!&|?{};+-*%<>~^"]);
const REGEX_KEYWORDS = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/**
 * The source as code only: each '…' or "…" literal becomes "N" (its index in `strings`), a
 * template literal's text goes (its ${} expressions stay, as code), comments become spaces and
 * regular expressions "/ /". Line breaks stay where they were.
 */
function lex(source: string): { code: string; strings: Literal[] } {
  const out: string[] = [];
  const strings: Literal[] = [];
  /** For each open template literal, the brace depth of its current ${ } expression. */
  const templates: number[] = [];
  let i = 0;
  let lastSignificant = "";
  /** The identifier that ended just before, when the last significant character ended one. */
  let lastWord = "";
  let word = "";
  const n = source.length;
  const readTemplate = () => {
    // At a template's text (after ` or a closing }): skip to its end or to the next ${.
    while (i < n) {
      const c = source[i]!;
      if (c === "\\") i += 2;
      else if (c === "`") {
        i++;
        out.push("``");
        lastSignificant = "`";
        return;
      } else if (c === "$" && source[i + 1] === "{") {
        i += 2;
        out.push("`${");
        templates.push(0);
        lastSignificant = "{";
        return;
      } else {
        if (c === "\n") out.push("\n"); // lines keep their numbers in `code`
        i++;
      }
    }
  };
  while (i < n) {
    const c = source[i]!;
    const next = source[i + 1];
    if (!/[\w$]/.test(c)) word = "";
    if (c === "/" && next === "/") {
      while (i < n && source[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      out.push(source.slice(i, stop).replace(/[^\n]/g, " "));
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = "";
      i++;
      while (i < n && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\") {
          value += source[i + 1] ?? "";
          i += 2;
        } else value += source[i++];
      }
      i++;
      out.push(`"${strings.length}"`);
      strings.push({ value, start });
      lastSignificant = '"';
    } else if (c === "`") {
      i++;
      readTemplate();
    } else if (c === "}" && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      readTemplate();
    } else if (c === "/" && startsRegex(lastSignificant, lastWord)) {
      let inClass = false;
      i++;
      while (i < n && source[i] !== "\n") {
        const r = source[i]!;
        if (r === "\\") i++;
        else if (r === "[") inClass = true;
        else if (r === "]") inClass = false;
        else if (r === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < n && /[a-z]/.test(source[i]!)) i++;
      out.push("/ /");
      lastSignificant = "/";
    } else {
      if (templates.length > 0) {
        if (c === "{") templates[templates.length - 1]!++;
        else if (c === "}") templates[templates.length - 1]!--;
      }
      out.push(c);
      if (/[\w$]/.test(c)) {
        word += c;
        lastWord = word;
        lastSignificant = "w";
      } else if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return { code: out.join(""), strings };
}

/** Whether a `/` after this character (or keyword) opens a regular expression. */
function startsRegex(lastSignificant: string, lastWord: string): boolean {
  return (
    lastSignificant === "" ||
    BEFORE_REGEX.has(lastSignificant) ||
    (lastSignificant === "w" && REGEX_KEYWORDS.has(lastWord))
  );
}

function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}
