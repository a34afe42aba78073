// The pipeline's one entry point: read, check, rewrite, re-check. Every outcome is a value;
// nothing thrown inside escapes to the caller.

import type { RuntimeName } from "../abi/runtimes.ts";
import { checkAbi, checkMemoryShape } from "./validate.ts";
import { readModuleInfo } from "./module-info.ts";
import { PipelineRejection, reject, rejection, type Rejection } from "./rejections.ts";
import { MAX_PAGES } from "./rewrite-memory.ts";
import { checkTables } from "./rewrite-tables.ts";
import { planRewrite, rewriteModule } from "./rewrite-module.ts";
import { splitSections } from "./sections.ts";

export interface PipelineLimits {
  /** The function's memory cap in 64 KiB pages. */
  readonly memoryPages: number;
  /** Name of the exported function the runner calls per request. */
  readonly entrypoint: string;
  /** The ABI the module must be written against (default wasm, the edge ABI). */
  readonly runtime?: RuntimeName;
}

export type PrepareResult =
  | {
      readonly ok: true;
      readonly bytes: Uint8Array;
      /** The runner passes new WebAssembly.Memory({ initial: minPages, maximum: maxPages }) as env.memory. */
      readonly memory: { readonly minPages: number; readonly maxPages: number };
      /**
       * Whether an instance may serve the next request after the runner restores its memory
       * (zeroed, then the bytes it had after instantiation): the entrypoint export resets every
       * global and runs the start function itself (reset-entry.ts). Only with the resetEntry
       * option, and only for modules whose state can all be restored.
       */
      readonly reusable: boolean;
    }
  | { readonly ok: false; readonly rejection: Rejection };

export interface PrepareOptions {
  /**
   * Validate the rewritten bytes with the engine (default true). A caller that compiles the
   * output right away (the runner) turns it off: compiling validates too, and on a 2 MiB module
   * the second validation alone costs ~30 ms.
   */
  readonly verifyOutput?: boolean;
  /**
   * Validate the input with the engine (default true). A caller that compiles the output
   * asynchronously turns it off and calls inputRejection() only if compiling fails: on a
   * 2 MiB module validation takes ~30 ms of the caller's thread, compiling can run off it.
   */
  readonly validateInput?: boolean;
  /**
   * Keep every export (default false: only the entrypoint, and what validation needs; see
   * planRewrite). For tests and tools that call other exports of the prepared module.
   */
  readonly keepAllExports?: boolean;
  /**
   * Point the entrypoint export at the reset entry (reset-entry.ts) where the module's state can
   * all be restored, so that a runner may reuse instances (default false: the output's
   * entrypoint and start function behave as the input's). The runner asks for it.
   */
  readonly resetEntry?: boolean;
}

export function prepareModule(input: Uint8Array, limits: PipelineLimits, options: PrepareOptions = {}): PrepareResult {
  try {
    return prepare(
      input,
      limits,
      options.verifyOutput ?? true,
      options.validateInput ?? true,
      options.keepAllExports ?? false,
      options.resetEntry ?? false,
    );
  } catch (e) {
    if (e instanceof PipelineRejection) return { ok: false, rejection: e.rejection };
    return { ok: false, rejection: rejection("internal", { detail: describe(e) }) };
  }
}

function prepare(
  input: Uint8Array,
  limits: PipelineLimits,
  verifyOutput: boolean,
  validateInput: boolean,
  keepAllExports: boolean,
  resetEntry: boolean,
): PrepareResult {
  checkLimits(limits);
  const sections = splitSections(input);
  const info = readModuleInfo(input, sections);
  checkMemoryShape(info);
  checkTables(info);
  const plan = planRewrite(
    info,
    limits.memoryPages,
    keepAllExports ? null : limits.entrypoint,
    resetEntry ? limits.entrypoint : null,
  );
  // The rewrite walks every instruction, so unsupported opcodes are found before the
  // engine is asked: it would accept some of them (exceptions) with nothing to say.
  const bytes = rewriteModule(info, plan);
  const engineError = validateInput ? engineRejects(input) : null;
  if (engineError !== null) reject("invalid_module", { engine: engineError });
  checkAbi(info, limits);
  const outputError = verifyOutput ? engineRejects(bytes) : null;
  if (outputError !== null) reject("internal", { detail: `the rewritten module does not validate: ${outputError}` });
  return { ok: true, bytes, memory: plan.memory, reusable: plan.reset !== null };
}

function checkLimits(limits: PipelineLimits): void {
  const pages = limits.memoryPages;
  if (!Number.isInteger(pages) || pages < 0 || pages > MAX_PAGES) {
    reject("internal", { detail: `memoryPages must be an integer from 0 to ${MAX_PAGES}, got ${String(pages)}` });
  }
  if (limits.runtime !== undefined && limits.runtime !== "wasm" && limits.runtime !== "wasi") {
    reject("internal", { detail: `unknown runtime ${String(limits.runtime)}` });
  }
  if (typeof limits.entrypoint !== "string" || limits.entrypoint.length === 0) {
    reject("internal", { detail: "the entrypoint name is empty" });
  }
}

/**
 * Why the engine refuses `input` (the invalid_module rejection), or null when it accepts it:
 * for callers that prepared with validateInput off and then failed to compile the output.
 */
export function inputRejection(input: Uint8Array): Rejection | null {
  const engineError = engineRejects(input);
  return engineError === null ? null : rejection("invalid_module", { engine: engineError });
}

/** null when the engine accepts the bytes, else its reason. */
function engineRejects(bytes: Uint8Array): string | null {
  if (WebAssembly.validate(bytes)) return null;
  try {
    new WebAssembly.Module(bytes);
    return "the engine's validator rejected it without a reason";
  } catch (e) {
    return describe(e).replace(/\s*\(evaluating '.*'\)\s*$/, "");
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
