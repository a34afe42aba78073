// Worker entry: holds the loaded functions and runs invocations one at a time, in the order
// they arrive. Invocations come through the jobs ring and results go back through the results
// ring (see protocol.ts); while the ring is empty the worker blocks in Atomics.wait, and lets its
// event loop run for set-up messages and the rare oversized invocation when told there is mail.
import { createLogger, type Logger } from "../../core/observe/log";
import { pacedCollector } from "./collect-soon";
import { Executor } from "./executor";
import {
  CONTROL_MAIL,
  CONTROL_TID,
  type FromWorker,
  type LoadedFunction,
  type PostedResult,
  type ToWorker,
} from "./protocol";
import { RingReader, RingWriter } from "./ring";
import { currentThreadId, setBackground, setSchedulingSlice } from "./os-thread";
import { CpuMeter } from "./cpu-meter";
import { claim } from "./line";
import { readJob, requestBytes, writeResult, type RequestBytes } from "./wire";

declare const self: Worker;

/** How long the worker may keep running ring work before letting set-up messages in. */
const YIELD_EVERY_MS = 5;
/**
 * A job can overtake the "load" message of its function: the ring is faster than postMessage.
 * The load was posted first, so a few turns of the event loop deliver it.
 */
const LOAD_WAIT_MS = 1000;
const WAKE_EVERY_MS = 1;
/** Longest a worker stays blocked before it lets its event loop run anyway. */
const IDLE_WAIT_MS = 10;
/**
 * How long a function that ran into its time limit runs in the background on this worker (a
 * spare with --spare-priority idle): a runaway loop then takes only CPU that others leave,
 * while slow functions that finish keep their fair share and never starve into a timeout.
 */
const RUNAWAY_MEMORY_MS = 10_000;

/**
 * Guest memories let go (grown, too big to keep, or of a failed invocation) and the copies of
 * big requests stay resident until a collection, and nothing else prompts one: a function that grows its memory to 64 MiB per
 * request took an edge node to 1.0-1.7 GB (tests/reliability/saturation, memory). The worker
 * collects once this many bytes of them are waiting (and within a second of any).
 */
const DROPPED_MEMORY_BYTES = 64 * 1024 * 1024;

let executor: Executor | null = null;
/** Told the bytes of big things let go (guest memories, request bodies that came by message): collects past DROPPED_MEMORY_BYTES. */
let collectDropped: (bytes?: number) => void = () => {};
/** This worker's line (line.ts): a job is claimed before it runs, or skipped if the pool took it back. */
let line: Int32Array<ArrayBufferLike> = new Int32Array(0);
let results: RingWriter | null = null;
const functions = new Map<number, LoadedFunction>();
/** Handles of replaced versions -> the handle of the version that replaced them. */
const replacedBy = new Map<number, number>();
let mayBackground = false;
let inBackground = false;
/** Function handle -> until when it counts as a runaway here. */
const runawayUntil = new Map<number, number>();
let logger: Logger | null = null;
const cpu = new CpuMeter();
/** Set at init: the pool splits one bound on dead modules between its workers (pool.ts). */
let collectSoon: (bytes?: number) => void = () => {};

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "init": {
      logger = createLogger(msg.logLevel, { worker: msg.workerIndex });
      mayBackground = msg.background;
      collectSoon = pacedCollector(() => Bun.gc(true), undefined, msg.collectAfterBytes);
      // A worker started after the HTTP thread took a short slice inherits it; guest code runs
      // in the kernel's default turns (lifecycle/http-thread.ts).
      setSchedulingSlice(0);
      line = new Int32Array(msg.line);
      collectDropped = pacedCollector(() => Bun.gc(true), undefined, DROPPED_MEMORY_BYTES);
      executor = new Executor(logger, msg.control, msg.instanceReuse, collectDropped);
      Atomics.store(new Int32Array(msg.control), CONTROL_TID, currentThreadId());
      results = new RingWriter(msg.results);
      void serve(new RingReader(msg.jobs), new Int32Array(msg.control));
      return;
    }
    case "load": {
      functions.set(msg.handle, msg.fn);
      if (msg.replaces !== undefined) {
        // A new version of a function: jobs still sent for the old handle run the new one, and
        // the old one's kept instance would never be used again.
        functions.delete(msg.replaces);
        replacedBy.set(msg.replaces, msg.handle);
        executor?.forget(functions.values());
      }
      return;
    }
    case "unload":
      functions.delete(msg.handle);
      for (const [old, now] of replacedBy) if (now === msg.handle) replacedBy.delete(old);
      executor?.forget(functions.values());
      collectSoon(msg.estimatedBytes);
      return;
    case "invoke":
      if (!claim(line, msg.job.seq)) return;
      answer(run(msg.job.id, msg.job.fn, msg.job.budgetMs, msg.job.requestId, requestBytes(msg.job.request)));
      // A request too big for the ring came as a copy (a body of up to --max-body-bytes): freed by a collection.
      collectDropped(msg.job.request.body?.byteLength ?? 0);
      results?.wake();
      return;
  }
};

async function serve(jobs: RingReader, control: Int32Array): Promise<void> {
  let lastYield = Date.now();
  let lastWake = 0;
  let mail = Atomics.load(control, CONTROL_MAIL);
  for (;;) {
    let at: number;
    while ((at = jobs.next()) >= 0) {
      const job = readJob(jobs, at);
      if (!functions.has(job.fn) && !replacedBy.has(job.fn)) await loaded(job.fn);
      // Taken back by the pool (it waited behind a long run here): it runs elsewhere, no answer from here.
      if (claim(line, job.seq)) answer(run(job.id, job.fn, job.budgetMs, job.requestId, job.request));
      // Only now: the guest read its request where it lies in the ring (readJob).
      jobs.release();
      // While a long batch runs, wake the main thread at least every WAKE_EVERY_MS.
      const now = Date.now();
      if (now - lastWake >= WAKE_EVERY_MS) {
        results?.wake();
        lastWake = now;
      }
    }
    // Out of work: hand the results over, then block until the next job. The wait is
    // synchronous (cheap to wake), so messages are let in explicitly: when the main thread says
    // it posted one, and every YIELD_EVERY_MS in any case.
    results?.wake();
    lastWake = Date.now();
    jobs.sleepSync(IDLE_WAIT_MS);
    const posted = Atomics.load(control, CONTROL_MAIL);
    if (posted !== mail || Date.now() - lastYield > YIELD_EVERY_MS) {
      mail = posted;
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = Date.now();
    }
  }
}

async function loaded(handle: number): Promise<void> {
  const until = Date.now() + LOAD_WAIT_MS;
  while (!functions.has(handle) && Date.now() < until) await new Promise((resolve) => setImmediate(resolve));
}

function run(id: number, sentFor: number, budgetMs: number, requestId: string, request: RequestBytes): PostedResult {
  const handle = replacedBy.get(sentFor) ?? sentFor;
  const fn = functions.get(handle);
  if (!fn || !executor)
    return {
      id,
      outcome: "not_found",
      response: null,
      detail: `function #${handle} is not loaded`,
      runMs: NaN,
      cpuMs: NaN,
    };
  cpu.before();
  const result = runOn(executor, id, handle, budgetMs, requestId, request, fn);
  // A sleep holds the worker as a loop does: it counts as CPU, so a function that sleeps is
  // placed as a slow one (run-cost.ts), off the workers fast functions run on.
  result.cpuMs = cpu.after(result.runMs) + executor.sleptMs;
  return result;
}

function runOn(
  executor: Executor,
  id: number,
  handle: number,
  budgetMs: number,
  requestId: string,
  request: RequestBytes,
  fn: LoadedFunction,
): PostedResult {
  if (!mayBackground) return executor.run(id, requestId, request, fn, budgetMs);
  runInBackground(isRunaway(handle));
  const result = executor.run(id, requestId, request, fn, budgetMs);
  if (result.outcome === "timeout") runawayUntil.set(handle, Date.now() + RUNAWAY_MEMORY_MS);
  // Back to the normal priority before the result goes out: waiting in the background, the
  // thread would pick up its next job only when nothing else wants a CPU, on a busy node late.
  if (inBackground) runInBackground(false);
  return result;
}

function runInBackground(runaway: boolean): void {
  if (runaway === inBackground || !mayBackground) return;
  if (setBackground(runaway)) {
    inBackground = runaway;
    return;
  }
  // Cannot go into the background, or (unprivileged) cannot come back: stop trying.
  mayBackground = false;
  logger?.log(
    "info",
    runaway
      ? "could not lower this spare worker's priority"
      : "this spare worker stays at low priority (no CAP_SYS_NICE)",
  );
}

function isRunaway(handle: number): boolean {
  if (runawayUntil.size === 0) return false;
  const until = runawayUntil.get(handle);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  runawayUntil.delete(handle);
  return false;
}

function answer(result: PostedResult): void {
  const response = result.response;
  const fits =
    results &&
    writeResult(results, {
      id: result.id,
      outcome: result.outcome,
      status: response?.status ?? 0,
      headers: response?.headers ?? "",
      body: response?.body ?? null,
      detail: result.detail,
      runMs: result.runMs,
      cpuMs: result.cpuMs,
    });
  if (fits) return;
  const body = response?.body;
  const transfer =
    body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer as ArrayBuffer] : [];
  self.postMessage({ type: "result", result } satisfies FromWorker, transfer);
}
