// Files stay small enough to read in one sitting (../shared/STYLE.md: under ~300 lines): a file
// that grows past it holds more than one concern and is split, not waved through. Counted after
// the formatter (bun run format), so wrapping long lines cannot hide a file's size.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Glob } from "bun";

const ROOT = join(import.meta.dir, "..");
const MAX_LINES = 300;
/** Ours: every TypeScript file outside dependencies, build output and dot-folders. */
const SKIP = /(^|\/)(node_modules|build|data|\.[^/]*)\//;

function oversized(root: string, max = MAX_LINES): string[] {
  return [...new Glob("**/*.ts").scanSync({ cwd: root })]
    .filter((path) => !SKIP.test(path))
    .map((path) => ({ path, lines: readFileSync(join(root, path), "utf8").split("\n").length - 1 }))
    .filter(({ lines }) => lines > max)
    .map(({ path, lines }) => `${path}: ${lines} lines`)
    .sort();
}

test(`no TypeScript file is over ${MAX_LINES} lines`, () => {
  expect(oversized(ROOT)).toEqual([]);
});

test("the count sees files in every folder, and a long one", () => {
  const all = oversized(ROOT, 0);
  for (const folder of ["runner/", "control/", "core/", "tests/", "bench/", "functions/"]) {
    expect(all.some((row) => row.startsWith(folder))).toBe(true);
  }
  expect(oversized(ROOT, 250).length).toBeGreaterThan(0);
});
