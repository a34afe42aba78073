// Dependencies run one way (README, "Layout"): runner/ and control/ both build on core/ and never
// on each other; core/ imports neither; no source imports tests/ or bench/; the sandbox knows
// nothing of HTTP; a control feature never reaches into another; no two folders (tests/ and
// bench/ included) depend on each other. Each rule reads the import
// graph of every .ts file (tests/helpers/import-graph.ts) and names each offending file, line
// and import. The last tests feed each rule a graph with one bad import added, so a rule that
// stopped seeing anything would fail here too.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { readImportGraph, scanSource, type Import, type SourceFile } from "./helpers/import-graph";

const ROOT = join(import.meta.dir, "..");

/** Who may not import whom, by top-level folder. Tests and benchmarks use the source, never the other way. */
const NOT_SOURCE = ["tests", "bench"];
const FORBIDDEN: Record<string, string[]> = {
  runner: ["control", "cli", ...NOT_SOURCE],
  control: ["runner", "cli", ...NOT_SOURCE],
  cli: ["runner", "control", ...NOT_SOURCE],
  core: ["runner", "control", "cli", ...NOT_SOURCE],
  functions: NOT_SOURCE,
};

/** control/ folders that serve one part of the API; each may use support folders, never another feature. */
const FEATURES = ["artifacts", "functions", "migrate", "nodes", "secrets", "versions", "watch"];
/** control/ folders the features build on; they import no feature. */
const SUPPORT = ["auth", "module-check", "observe", "store", "swagger"];

const SANDBOX = "runner/sandbox/";
/** What makes a server: the HTTP layers, Elysia, Node's servers. */
const HTTP_FOLDERS = ["runner/http/", "core/http/"];
const HTTP_PACKAGES = /^(elysia|@elysiajs\/.*|node:(http|https|http2|net|tls)|(http|https|http2|net|tls))(\/.*)?$/;

const where = (i: Import) =>
  `${i.from}:${i.line} imports "${i.spec}"${i.target && i.target !== i.spec ? ` (${i.target})` : ""}`;
const top = (path: string) => path.split("/")[0]!;
const imports = (files: SourceFile[]) => files.flatMap((file) => file.imports);

function layerViolations(files: SourceFile[]): string[] {
  return imports(files).flatMap((i) => {
    if (i.target === null) return [];
    const [from, to] = [top(i.from), top(i.target)];
    if (!FORBIDDEN[from]?.includes(to)) return [];
    const rule = NOT_SOURCE.includes(to)
      ? `${from}/ is source and never imports ${to}/`
      : from === "core"
        ? "core/ imports neither program"
        : `${from}/ never imports ${to}/; what both use belongs in core/`;
    return [`${where(i)}: ${rule}`];
  });
}

function sandboxViolations(files: SourceFile[]): string[] {
  const sandbox = files.filter((file) => file.path.startsWith(SANDBOX));
  const byImport = imports(sandbox).flatMap((i) => {
    const http =
      i.target === null ? HTTP_PACKAGES.test(i.spec) : HTTP_FOLDERS.some((folder) => i.target!.startsWith(folder));
    return http ? [`${where(i)}: the sandbox runs guests and knows nothing of HTTP`] : [];
  });
  const bySource = sandbox.flatMap((file) =>
    file.code
      .split("\n")
      .flatMap((line, n) =>
        /\bBun\s*\.\s*(serve|listen)\b/.test(line)
          ? [`${file.path}:${n + 1} calls Bun.serve/Bun.listen: the sandbox starts no server`]
          : [],
      ),
  );
  return [...byImport, ...bySource];
}

/** "control/functions/service.ts" -> "functions"; null outside control's folders. */
const controlFolder = (path: string) => {
  const parts = path.split("/");
  return parts[0] === "control" && parts.length > 2 ? parts[1]! : null;
};

function featureViolations(files: SourceFile[]): string[] {
  return imports(files).flatMap((i) => {
    const [from, to] = [controlFolder(i.from), i.target && controlFolder(i.target)];
    if (!from || !to || from === to || !FEATURES.includes(to)) return [];
    const rule = FEATURES.includes(from)
      ? `control/${from} is a feature and may not use another feature (control/${to}); move what both need to a support folder`
      : `control/${from} supports the features and may not import one (control/${to})`;
    return [`${where(i)}: ${rule}`];
  });
}

/** Strongly connected groups of more than one node (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) visit(next), low.set(node, Math.min(low.get(node)!, low.get(next)!));
      else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do (member = stack.pop()!), onStack.delete(member), group.push(member);
    while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

const isWithin = (folder: string, ancestor: string) => folder.startsWith(`${ancestor}/`);

/**
 * Folder A depends on folder B when a file directly in A imports one directly in B. A folder and
 * its own sub-folders are one piece (runner/ composes runner/sandbox/, which uses runner/outcome.ts),
 * so only imports between folders that do not contain each other make edges; any cycle of those fails.
 */
function folderCycleViolations(files: SourceFile[]): string[] {
  const edges = new Map<string, Set<string>>();
  const example = new Map<string, Import>();
  for (const i of imports(files)) {
    if (i.target === null) continue;
    const [a, b] = [posix.dirname(i.from), posix.dirname(i.target)];
    if (a === b || isWithin(a, b) || isWithin(b, a)) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
    if (!example.has(`${a} ${b}`)) example.set(`${a} ${b}`, i);
  }
  return cycles(edges).map((group) => {
    const inside = group.flatMap((a) =>
      [...edges.get(a)!]
        .filter((b) => group.includes(b))
        .map((b) => `${a} -> ${b} (${where(example.get(`${a} ${b}`)!)})`),
    );
    return `folders depend on each other: ${group.join(", ")}: ${inside.join("; ")}`;
  });
}

/** The same for files: catches cycles through a folder and its sub-folder, which the rule above lets be. */
function fileCycleViolations(files: SourceFile[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports(files)) {
    if (i.target === null || i.target === i.from) continue;
    if (!edges.has(i.from)) edges.set(i.from, new Set());
    edges.get(i.from)!.add(i.target);
  }
  return cycles(edges)
    .filter((group) => new Set(group.map(posix.dirname)).size > 1)
    .map((group) => {
      const inside = imports(files).filter((i) => group.includes(i.from) && i.target && group.includes(i.target));
      return `files in different folders import each other: ${inside.map(where).join("; ")}`;
    });
}

const graph = readImportGraph(ROOT);

describe("the import graph", () => {
  test("is read from every part of the repository", () => {
    const tops = new Set(graph.map((file) => top(file.path)));
    for (const part of ["core", "runner", "control", "tests", "bench", "functions"]) expect(tops).toContain(part);
    // Sanity: the graph has the imports everyone knows about, of every kind.
    const has = (from: string, target: string) =>
      graph.find((f) => f.path === from)?.imports.some((i) => i.target === target);
    expect(has("runner/serve.ts", "runner/edge/start-edge.ts")).toBe(true); // import("./edge/start-edge")
    expect(has("core/module/offload/offload-thread.ts", "core/module/offload/offload-worker.ts")).toBe(true); // new URL(..., import.meta.url)
    expect(has("control/app.ts", "core/observe/log.ts")).toBe(true); // import type
  });

  test("runner/ and control/ never import each other; core/ imports neither; no source imports tests/ or bench/", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  test("the sandbox imports no HTTP layer, no Elysia, and starts no server", () => {
    expect(sandboxViolations(graph)).toEqual([]);
  });

  test("every control/ folder is a feature or a support folder, and no feature imports another", () => {
    const folders = readdirSync(join(ROOT, "control"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const unclassified = folders.filter((name) => !FEATURES.includes(name) && !SUPPORT.includes(name));
    expect(unclassified, "add the new folder to FEATURES or SUPPORT in tests/architecture.test.ts").toEqual([]);
    expect(featureViolations(graph)).toEqual([]);
  });

  test("no two folders depend on each other, directly or around a cycle", () => {
    expect(folderCycleViolations(graph)).toEqual([]);
    expect(fileCycleViolations(graph)).toEqual([]);
  });
});

/** The real graph with one import added to `from`. */
function withImport(from: string, spec: string, source = `import { x } from "${spec}";`): SourceFile[] {
  const file = graph.find((f) => f.path === from)!;
  const scanned = scanSource(source);
  const target = spec.startsWith(".") ? posix.normalize(posix.join(posix.dirname(from), spec)) : null;
  const added = scanned.imports.map((ref) => ({ ...ref, line: 999, from, target }));
  return graph.map((f) =>
    f === file ? { ...f, code: `${f.code}\n${scanned.code}`, imports: [...f.imports, ...added] } : f,
  );
}

describe("each rule fails on a bad import, naming file, line and import", () => {
  test("runner -> control, control -> runner, core -> either", () => {
    expect(layerViolations(withImport("runner/edge/edge-node.ts", "../../control/errors.ts"))).toEqual([
      'runner/edge/edge-node.ts:999 imports "../../control/errors.ts" (control/errors.ts): runner/ never imports control/; what both use belongs in core/',
    ]);
    expect(layerViolations(withImport("control/app.ts", "../runner/outcome.ts"))).toHaveLength(1);
    expect(layerViolations(withImport("core/pipeline/prepare.ts", "../../runner/sandbox/limits.ts"))[0]).toContain(
      "core/ imports neither program",
    );
    expect(layerViolations(withImport("cli/main.ts", "../control/errors.ts"))[0]).toContain("cli/ never imports");
  });

  test("source -> tests or bench", () => {
    expect(layerViolations(withImport("runner/serve.ts", "../tests/helpers/temp-dir.ts"))).toEqual([
      'runner/serve.ts:999 imports "../tests/helpers/temp-dir.ts" (tests/helpers/temp-dir.ts): runner/ is source and never imports tests/',
    ]);
    expect(layerViolations(withImport("control/app.ts", "../bench/summary.ts"))).toHaveLength(1);
    expect(layerViolations(withImport("core/pipeline/prepare.ts", "../../tests/fixtures/wat.ts"))[0]).toContain(
      "core/ is source and never imports tests/",
    );
  });

  test("the sandbox and HTTP", () => {
    expect(sandboxViolations(withImport("runner/sandbox/executor.ts", "../http/read-body.ts"))[0]).toStartWith(
      'runner/sandbox/executor.ts:999 imports "../http/read-body.ts"',
    );
    expect(sandboxViolations(withImport("runner/sandbox/worker.ts", "elysia"))).toHaveLength(1);
    expect(sandboxViolations(withImport("runner/sandbox/host/log.ts", "../../../core/http/listen.ts"))).toHaveLength(1);
    const serving = withImport("runner/sandbox/worker.ts", "./x", "Bun.serve({ fetch: () => new Response() });");
    expect(sandboxViolations(serving)).toEqual([
      expect.stringMatching(/^runner\/sandbox\/worker\.ts:\d+ calls Bun\.serve/),
    ]);
  });

  test("a feature importing another feature's service", () => {
    expect(featureViolations(withImport("control/versions/service.ts", "../functions/service.ts"))).toEqual([
      'control/versions/service.ts:999 imports "../functions/service.ts" (control/functions/service.ts): control/versions is a feature and may not use another feature (control/functions); move what both need to a support folder',
    ]);
    expect(featureViolations(withImport("control/store/sweep.ts", "../watch/hub.ts"))).toHaveLength(1);
  });

  test("a cycle between folders, and one through a parent folder", () => {
    // runner/http/app.ts already imports runner/observe/metrics.ts.
    const [folderCycle] = folderCycleViolations(withImport("runner/observe/metrics.ts", "../http/body-budget.ts"));
    expect(folderCycle).toContain("runner/http, runner/observe");
    expect(folderCycle).toContain('runner/observe/metrics.ts:999 imports "../http/body-budget.ts"');
    // bench/ takes its control plane from tests/helpers/: the helpers may not use a benchmark.
    expect(folderCycleViolations(withImport("tests/helpers/until.ts", "../../bench/summary.ts"))[0]).toContain(
      "tests/helpers -> bench",
    );
    // runner/serve.ts imports runner/start-runner.ts, which imports runner/sandbox/pool.ts.
    expect(fileCycleViolations(withImport("runner/sandbox/limits.ts", "../serve.ts"))[0]).toContain(
      'runner/sandbox/limits.ts:999 imports "../serve.ts"',
    );
  });
});

describe("the import scanner", () => {
  test("sees every form of import and nothing in comments, strings or regular expressions", () => {
    const source = [
      'import type { A } from "./a";',
      "import {",
      "  type B,",
      "  C,",
      '} from "../b";',
      'export * from "./c";',
      'export { D } from "./d";',
      'import "./side-effect";',
      'const e = await import("./e");',
      'type F = typeof import("./f");',
      'const g = require("./g");',
      'const worker = new URL("./worker.ts", import.meta.url);',
      '// import { no } from "./comment";',
      '/* import { no } from "./block"; */',
      "const text = 'import { no } from \"./string\"';",
      'const re = /"|import\\("\\.\\/regex"\\)/;',
      'const tpl = `import("./template") ${require("./in-template")}`;',
    ].join("\n");
    expect(scanSource(source).imports.map(({ spec, kind, line }) => `${line} ${kind} ${spec}`)).toEqual([
      "1 static ./a",
      "5 static ../b",
      "6 static ./c",
      "7 static ./d",
      "8 static ./side-effect",
      "9 dynamic ./e",
      "10 dynamic ./f",
      "11 require ./g",
      "12 worker ./worker.ts",
      "17 require ./in-template",
    ]);
  });
});
