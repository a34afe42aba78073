// Shared by the pipeline tests: prepare a module, instantiate the original and the prepared
// version with a test host, and call their exports the same way.

import { EDGE_V1 } from "../../core/abi/edge-v1.ts";
import { prepareModule, type PipelineLimits, type PrepareResult } from "../../core/pipeline/index.ts";
import { interruptCheck, nestingEntryCheck } from "../../core/pipeline/inject-interrupts.ts";

export const LIMITS: PipelineLimits = { memoryPages: 16, entrypoint: "handle" };

type Ok = Extract<PrepareResult, { ok: true }>;
type Rejected = Extract<PrepareResult, { ok: false }>;

/** Accepted, with every export kept: the tests call the prepared module's exports like the original's. */
export function prepareOk(bytes: Uint8Array, limits: PipelineLimits = LIMITS): Ok {
  const result = prepareModule(bytes, limits, { keepAllExports: true });
  if (!result.ok)
    throw new Error(`expected the module to be accepted: ${result.rejection.code}: ${result.rejection.message}`);
  return result;
}

export function prepareRejected(bytes: Uint8Array, limits: PipelineLimits = LIMITS): Rejected["rejection"] {
  const result = prepareModule(bytes, limits);
  if (result.ok) throw new Error("expected the module to be rejected");
  return result.rejection;
}

/** Deterministic stand-ins for every edge v1 call: results depend only on the arguments. */
export function edgeStubs(log: unknown[] = []): Record<string, (...args: number[]) => number | undefined> {
  const stubs: Record<string, (...args: number[]) => number | undefined> = {};
  for (const [name, sig] of Object.entries(EDGE_V1)) {
    stubs[name] = (...args: number[]) => {
      log.push([name, ...args]);
      if (sig.results.length === 0) return undefined;
      return args.reduce((a, b) => (a * 31 + b) | 0, name.length);
    };
  }
  return stubs;
}

export class Deadline extends Error {
  constructor() {
    super("deadline");
  }
}

/** An interrupt import that grants `fuel` per call and throws Deadline after `maxCalls` calls. */
export function budgetInterrupt(fuel: number, maxCalls: number): { interrupt: () => number; calls: () => number } {
  let calls = 0;
  return {
    interrupt: () => {
      if (++calls > maxCalls) throw new Deadline();
      return fuel;
    },
    calls: () => calls,
  };
}

/**
 * Running an endless loop without checks would hang the test run (wasm cannot be stopped
 * from outside), so tests that run one first count the checks in the prepared bytes. For
 * modules without imported functions or globals: fuel is global 0, depth global 1, the
 * interrupt function 0, stack_overflow 1. Both kinds of check count: plain and nesting entry checks.
 */
export function guardChecks(bytes: Uint8Array, expected: number): void {
  const plan = { fuelGlobal: 0, depthGlobal: 1, interruptFunc: 0, overflowFunc: 1 };
  let found = 0;
  for (const check of [interruptCheck(plan), nestingEntryCheck(plan)]) {
    for (let i = 0; i + check.length <= bytes.length; i++) {
      let j = 0;
      while (j < check.length && bytes[i + j] === check[j]) j++;
      if (j === check.length) found++;
    }
  }
  if (found < expected)
    throw new Error(`expected ${expected} interrupt checks, found ${found}: not running code that may never end`);
}

/** What the prepared module's stack_overflow import throws in tests. */
export class TooDeep extends Error {
  constructor() {
    super("call depth limit");
  }
}

export function instantiatePrepared(
  result: Ok,
  interrupt: () => number = () => 1_000_000,
  log: unknown[] = [],
  stackOverflow: () => number = () => {
    throw new TooDeep();
  },
): { instance: WebAssembly.Instance; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: result.memory.minPages, maximum: result.memory.maxPages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(result.bytes), {
    env: { memory },
    edge: edgeStubs(log),
    edge_sandbox: { interrupt, stack_overflow: stackOverflow },
  });
  return { instance, memory };
}

/** The original module with the same host, minus the interrupt; `memory` shaped like the prepared one's. */
export function instantiateOriginal(
  bytes: Uint8Array,
  memory: { minPages: number; maxPages: number },
  log: unknown[] = [],
): WebAssembly.Instance {
  const env = { memory: new WebAssembly.Memory({ initial: memory.minPages, maximum: memory.maxPages }) };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env, edge: edgeStubs(log) });
}

export type Outcome = { value: unknown } | { trap: string };

/** Calls `name` with `args`; a trap is a result too. */
export function outcome(instance: WebAssembly.Instance, name: string, args: unknown[] = []): Outcome {
  const fn = instance.exports[name] as (...a: unknown[]) => unknown;
  try {
    return { value: fn(...args) };
  } catch (e) {
    if (e instanceof Deadline) throw e;
    return { trap: e instanceof Error ? e.constructor.name : typeof e };
  }
}

export function exportedFunctions(instance: WebAssembly.Instance): string[] {
  return Object.entries(instance.exports)
    .filter(([, v]) => typeof v === "function")
    .map(([k]) => k);
}
