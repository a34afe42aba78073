// Runs one invocation inside a worker: a new instance, or one reset to a new instance's state
// (reusable-instances.ts), pooled memory, edge v1 host calls, the fuel interrupt, and one
// outcome at the end. No HTTP, no Bun server types.
import { INTERRUPT_IMPORT, MAX_CALL_DEPTH, SANDBOX_MODULE, STACK_OVERFLOW_IMPORT } from "../../core/abi/edge-v1";
import type { Logger } from "../../core/observe/log";
import { classifyError } from "./classify-error";
import { GuestFault } from "./guest-fault";
import { GuestMemory } from "./guest-memory";
import { edgeImports } from "./host/edge-imports";
import { CGI_HEADER_BYTES } from "./host/wasi/fd-calls";
import { cgiResponse } from "./host/wasi/cgi-response";
import { WasiExit, wasiImports } from "./host/wasi/wasi-imports";
import { flushOutput } from "./host/wasi/wasi-context";
import { WASI_MODULE } from "../../core/abi/wasi-preview1";
import type { InvocationContext } from "./invocation-context";
import { CANCELLED, FUEL_REFILL, MOVED } from "./limits";

/** Longest nap of a sleeping guest between checks of its deadline and of a cancel. */
const SLEEP_SLICE_MS = 50;
import { MemoryPool } from "./memory-pool";
import { ResponseBody } from "./response-body";
import { ReusableInstances, type ReusableInstance } from "./reusable-instances";
import {
  CONTROL_CANCEL,
  CONTROL_MOVE,
  CONTROL_RUNNING,
  CONTROL_STARTED_F64,
  type GuestResponse,
  type LoadedFunction,
  type PostedResult,
} from "./protocol";
import type { RequestBytes } from "./wire";

export class Executor {
  private current: InvocationContext | null = null;
  /** Milliseconds the current (or last) invocation slept in WASI's poll_oneoff. */
  sleptMs = 0;
  private currentId = 0;
  private readonly control: Int32Array;
  private readonly started: Float64Array;
  private readonly memories: MemoryPool;
  private readonly instances = new ReusableInstances((memory, fn) =>
    this.memories.give(memory, fn.memory.minPages, fn.memory.maxPages),
  );
  /** One body builder for every invocation: its buffer is not allocated per request. */
  private readonly body = new ResponseBody();
  private readonly edge: Record<string, Function>;
  private readonly wasi: Record<string, Function>;
  private readonly sandbox: Record<string, Function>;
  /** What a WASI sleep (poll_oneoff) waits on: nothing ever wakes it, the timeout ends it. */
  private readonly nap = new Int32Array(new SharedArrayBuffer(4));

  /**
   * `reuse`: run requests of reusable modules on kept instances (off: a new instance each time).
   * `droppedMemory`: told the bytes of each guest memory let go (only a collection frees them).
   */
  constructor(
    private readonly logger: Logger,
    control: SharedArrayBuffer,
    private readonly reuse = true,
    droppedMemory: (bytes: number) => void = () => {},
  ) {
    this.memories = new MemoryPool(droppedMemory);
    this.control = new Int32Array(control);
    this.started = new Float64Array(control);
    const ctx = () => {
      if (!this.current) throw new GuestFault("trap", "host call outside an invocation");
      return this.current;
    };
    this.edge = edgeImports(ctx);
    this.wasi = wasiImports(ctx, (ms) => this.sleep(ms));
    this.sandbox = {
      [STACK_OVERFLOW_IMPORT.name]: (): number => {
        throw new GuestFault("stack_overflow", `calls nested deeper than ${MAX_CALL_DEPTH}`);
      },
      [INTERRUPT_IMPORT.name]: (): number => {
        this.checkRunning(ctx());
        return FUEL_REFILL;
      },
    };
  }

  /** Throws to end the invocation at its deadline, when the pool cancels it, or moves it. */
  private checkRunning(c: InvocationContext): void {
    if (Date.now() >= c.deadline) throw new GuestFault("timeout", "deadline reached");
    if (Atomics.load(this.control, CONTROL_CANCEL) === this.currentId) throw new GuestFault("timeout", CANCELLED);
    // Moved only while it has done nothing anyone could see twice: no log line yet.
    if (Atomics.load(this.control, CONTROL_MOVE) === this.currentId && c.logLines === 0 && c.logDropped === 0)
      throw new GuestFault("timeout", MOVED);
  }

  /** A guest's sleep: in short naps, so that the deadline and a cancel end it as they end a loop. */
  private sleep(ms: number): void {
    const c = this.current;
    if (!c) throw new GuestFault("trap", "host call outside an invocation");
    const began = performance.now();
    const until = began + ms;
    try {
      for (;;) {
        this.checkRunning(c);
        const left = Math.min(until - performance.now(), c.deadline - Date.now());
        if (left <= 0) break;
        Atomics.wait(this.nap, 0, 0, Math.min(left, SLEEP_SLICE_MS));
      }
      this.checkRunning(c);
    } finally {
      this.sleptMs += performance.now() - began;
    }
  }

  forget(loaded: Iterable<LoadedFunction>): void {
    const still = new Set(loaded);
    this.instances.retain(still);
    this.memories.retain([...still].map((f) => f.memory));
  }

  /** `budgetMs`: the time limit when not the function's (a job moved from another worker), else 0. */
  run(id: number, requestId: string, request: RequestBytes, fn: LoadedFunction, budgetMs = 0): PostedResult {
    const { minPages, maxPages } = fn.memory;
    // What the result reports as the worker's time on it (run_ms): instance or reset included.
    const began = performance.now();
    // The clock starts here, not when the job was queued: the limit is on the guest's own run.
    const startedAt = Date.now();
    const deadline =
      startedAt + (budgetMs > 0 ? Math.min(budgetMs, fn.limits.maxExecutionMs) : fn.limits.maxExecutionMs);
    this.started[CONTROL_STARTED_F64] = startedAt;
    Atomics.store(this.control, CONTROL_RUNNING, id);
    const reuse = this.reuse && fn.reusable;
    let kept: ReusableInstance | undefined = reuse ? this.instances.take(fn) : undefined;
    let memory: WebAssembly.Memory;
    try {
      memory = kept ? kept.memory : this.memories.take(minPages, maxPages);
    } catch (error) {
      // The host could not reserve the module's minimum memory: the function's memory outcome,
      // not a worker crash.
      Atomics.store(this.control, CONTROL_RUNNING, 0);
      return {
        id,
        outcome: "memory",
        response: null,
        detail: `could not allocate ${minPages} pages: ${(error as Error).message}`,
        runMs: performance.now() - began,
        cpuMs: NaN,
      };
    }
    this.body.reset();
    this.sleptMs = 0;
    const ctx: InvocationContext = {
      fn,
      requestId,
      deadline,
      request,
      memory: new GuestMemory(memory),
      headerMap: null,
      status: 200,
      headers: [],
      body: this.body,
      headerBytes: 0,
      logLines: 0,
      logDropped: 0,
      logger: this.logger,
      wasi: null,
    };
    this.current = ctx;
    this.currentId = id;
    try {
      let entry: (() => unknown) | null = null;
      if (kept) entry = kept.entry;
      else {
        // Instantiation runs the start function (of a module that is not reusable: a reusable
        // one runs it from its entrypoint export), fuel-checked like any other code.
        const instance = exitsCleanly(
          () =>
            new WebAssembly.Instance(fn.module, {
              env: { memory },
              edge: this.edge,
              [WASI_MODULE]: this.wasi,
              [SANDBOX_MODULE]: this.sandbox,
            } as Bun.WebAssembly.Imports),
        );
        // A start function that called proc_exit(0) ended the program: no entrypoint call.
        if (instance) {
          const exported = instance.exports[fn.entrypoint];
          if (typeof exported !== "function")
            throw new GuestFault("trap", `export "${fn.entrypoint}" is not a function`);
          entry = exported as () => unknown;
          if (reuse && this.instances.admit(fn)) kept = this.instances.adopt(fn, entry, memory);
        }
      }
      if (entry) exitsCleanly(entry);
      flushOutput(ctx);
      const response = fn.runtime === "wasi" ? cgiFinish(ctx) : finish(ctx);
      if (kept) this.instances.put(kept);
      else this.memories.give(memory, minPages, maxPages);
      if (reuse) this.instances.ran(fn, true);
      return { id, outcome: "ok", response, detail: "", runMs: performance.now() - began, cpuMs: NaN };
    } catch (error) {
      if (reuse) this.instances.ran(fn, false);
      this.memories.drop(memory);
      // A moved run starts again elsewhere and writes its held partial lines again: logged here
      // too, they would appear twice. Everything else it wrote is dropped with it as well.
      if (!(error instanceof GuestFault && error.detail === MOVED)) flushOutput(ctx);
      const { outcome, detail } = classifyError(error, memory, maxPages, minPages);
      return { id, outcome, response: null, detail, runMs: performance.now() - began, cpuMs: NaN };
    } finally {
      if (ctx.logDropped > 0) {
        this.logger.log("warn", "guest log lines dropped", {
          function: fn.name,
          request_id: requestId,
          dropped: ctx.logDropped,
          limit: fn.limits.maxLogLines,
          // WASI streams past the limit are not split into lines: their bytes are counted instead.
          ...(ctx.wasi ? { dropped_output_bytes: droppedOutputBytes(ctx) } : {}),
        });
      }
      this.current = null;
      Atomics.store(this.control, CONTROL_RUNNING, 0);
    }
  }
}

function droppedOutputBytes(ctx: InvocationContext): number {
  return (ctx.wasi?.stderr.droppedBytes ?? 0) + (ctx.wasi?.stdout?.droppedBytes ?? 0);
}

/** `run()`'s result, or undefined when it ended by proc_exit(0), a normal end; other exits throw on. */
function exitsCleanly<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (error instanceof WasiExit && error.code === 0) return undefined;
    throw error;
  }
}

/** The WASI function's stdout as its response (cgi-response.ts). */
function cgiFinish(ctx: InvocationContext): GuestResponse {
  const limit = ctx.fn.limits.maxResponseBytes;
  const parsed = cgiResponse(ctx.body.bytes(), CGI_HEADER_BYTES, limit);
  if (parsed.ok) return parsed.response;
  throw new GuestFault(parsed.tooLarge ? "response_too_large" : "invalid_output", parsed.reason);
}

function finish(ctx: InvocationContext): GuestResponse {
  const body = ctx.body.bytes();
  let headers = "";
  let hasType = false;
  for (const [name, value] of ctx.headers) {
    headers += `${name}: ${value}\n`;
    if (name === "content-type") hasType = true;
  }
  if (body && !hasType) headers += "content-type: text/plain; charset=utf-8\n";
  return { status: ctx.status, headers, body };
}
