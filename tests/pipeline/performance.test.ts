// Guards against the pipeline getting accidentally slow (quadratic copies, per-instruction
// allocation). The bound is loose because engine validation, which the pipeline runs twice,
// dominates and CI machines vary; bench/pipeline.ts has the real numbers.

import { expect, test } from "bun:test";
import { prepareModule } from "../../core/pipeline/index.ts";
import { readModuleInfo } from "../../core/pipeline/module-info.ts";
import { planRewrite, rewriteModule } from "../../core/pipeline/rewrite-module.ts";
import { splitSections } from "../../core/pipeline/sections.ts";
import { bigModule } from "../fixtures/pipeline/big-module.ts";
import { LIMITS } from "./harness.ts";

function medianMs(runs: number, fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

test("a 2 MiB module is prepared quickly", () => {
  const bytes = bigModule(2 * 1024 * 1024);
  expect(bytes.length).toBeGreaterThan(1.9 * 1024 * 1024);
  const first = prepareModule(bytes, LIMITS);
  expect(first.ok).toBe(true);
  // The rewrite alone (no engine validation): measured ~5 ms.
  const info = readModuleInfo(bytes, splitSections(bytes));
  const plan = planRewrite(info, LIMITS.memoryPages);
  expect(medianMs(5, () => rewriteModule(info, plan))).toBeLessThan(60);
  // Everything, with both engine validations: measured ~65 ms.
  expect(medianMs(3, () => prepareModule(bytes, LIMITS))).toBeLessThan(400);
}, 30_000);
