// A module of real size (2 MiB, generated) goes through the pipeline whole. How long that takes
// is measured by bench/pipeline.ts (`bun run bench`), never here.

import { expect, test } from "bun:test";
import { prepareModule } from "../../core/pipeline/index.ts";
import { bigModule } from "../fixtures/pipeline/big-module.ts";
import { LIMITS } from "./harness.ts";

test("a 2 MiB module is prepared, and its output is a valid module", () => {
  const bytes = bigModule(2 * 1024 * 1024);
  expect(bytes.length).toBeGreaterThan(1.9 * 1024 * 1024);
  const prepared = prepareModule(bytes, LIMITS);
  if (!prepared.ok) throw new Error(prepared.rejection.message);
  expect(prepared.bytes.length).toBeGreaterThan(bytes.length);
  expect(WebAssembly.validate(prepared.bytes)).toBe(true);
}, 30_000);
