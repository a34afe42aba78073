// A pool of Bun Workers and the queues in front of it. The main thread never runs guest code;
// it only dispatches, times out and replaces workers.
//
// Invocations go to a worker through a shared-memory ring and results come back through
// another (ring.ts, wire.ts): no structured clone per request. Each worker may hold a few
// invocations (PIPELINE_DEPTH) that it runs in order, so the thread hop is not waited on.
//
// One function must never starve another, so every bound is per function first:
// - a function has at most `maxConcurrency` invocations in workers at once (running or next in
//   a worker's line; default DEFAULT_CONCURRENCY_PER_WORKER per regular worker), and one until
//   its first run has ended (nothing is known of its cost before);
// - the rest wait in the function's own queue (function-queues.ts: `functionQueueLimit`, and
//   `queueLimit` for all functions together), past that in its waiting room, and what has not
//   started within `waitMs` of its arrival is refused (overload). Measured with
//   tests/reliability/saturation: refusing at once over a full queue invited clients that retry
//   at once (2,000 connections to hello-world: 4.1k good answers/s and 91% 503s, against
//   45.0k/s and none with the wait), and without the time bound a looping function's queued
//   requests waited until the connection's idle timeout cut them (10 s);
// - when workers free up, the queues are served round-robin, one invocation per function per
//   turn, and a function that cannot be placed is passed over, so none blocks the head of
//   another's queue;
// - a function seen running slow (run-cost.ts) runs only on the spare workers, alone in a
//   worker, so it holds spares and never the workers fast requests run on (with no spares,
//   slow functions may hold every regular worker but one), and, beside other functions, at
//   most half the regular workers' count of its invocations at once. The spares start when the
//   first function is seen running slow: a node whose functions are all fast never pays for
//   them (~4 MiB each idle);
// - nothing lines up in a worker behind more than BACKLOG_MS of expected work (the typical run
//   times of what it holds), so a request waits behind at most about that much in a worker.
//
// A function is loaded into a worker with the first job sent there, not into every worker when
// it is deployed: a worker's handle on a module keeps it alive until that worker collects, so
// handles held everywhere made RSS grow with the core count (1,000 x 128 KiB functions, one
// request each: ~20 MiB more with 2 spares started; see collectAfterBytes below for the rest).
import type { Outcome } from "../outcome";
import type { Logger, LogLevel } from "../../core/observe/log";
import { MOVED, presumedStuck, WATCHDOG_GRACE_MS } from "./limits";
import { threadCpuMs } from "./os-thread";
import {
  CONTROL_BYTES, CONTROL_CANCEL, CONTROL_MAIL, CONTROL_MOVE, CONTROL_RUNNING, CONTROL_STARTED_F64, CONTROL_TID, RING_BYTES,
  type FromWorker, type GuestResponse, type LoadedFunction, type PostedResult, type ToWorker,
} from "./protocol";
import { COLLECT_AFTER_BYTES } from "./collect-soon";
import { InflightJobs } from "./inflight";
import { createRing, RingReader, RingWriter } from "./ring";
import { Fifo } from "./fifo";
import { FunctionQueues, type QueuedJob } from "./function-queues";
import { createLine, LineWriter } from "./line";
import { RunCost, SLOW_MS } from "./run-cost";
import { readResult, writeJob, type RequestParts } from "./wire";


export interface InvocationResult {
  outcome: Outcome;
  response: GuestResponse | null;
  detail?: string;
  /**
   * Milliseconds a worker spent on it (instance set-up, guest code, host calls), absent when
   * none ran it. The rest of its latency is waiting: for a worker, and for the hand-overs.
   */
  runMs?: number;
}

export interface PoolOptions {
  /** Workers for the regular work: one per core is what throughput wants. */
  size: number;
  /**
   * Workers for invocations of functions seen running slow. Without them, two slow functions on
   * a 2-worker pool leave fast requests nothing to run on for the length of the slow runs.
   */
  spares?: number;
  /** Invocations that may wait for a worker, all functions together. */
  queueLimit: number;
  /** Invocations of one function that may wait for a worker; default `queueLimit`. */
  functionQueueLimit?: number;
  /** How long a request over its function's queue waits for a place before it is refused; default DEFAULT_WAIT_MS, 0 refuses at once. */
  waitMs?: number;
  /** Requests that may wait for a place, all functions together; default max(WAITING_MIN, WAITING_PER_QUEUED x queueLimit). */
  waitingLimit?: number;
  /** How long a function stays slow after its last slow run (run-cost.ts; tests shorten it). */
  slowMemoryMs?: number;
  /** A function's `maxConcurrency` when it sets none; default DEFAULT_CONCURRENCY_PER_WORKER x size. */
  defaultConcurrency?: number;
  /**
   * "idle" (default): on the spares, functions that recently ran into their time limit run as
   * background threads, taking only CPU that others leave; "normal": never.
   */
  sparePriority?: "idle" | "normal";
  /** Whether workers may run a request on an instance reset after an earlier one (executor.ts); default true. */
  instanceReuse?: boolean;
  logLevel: LogLevel;
  logger: Logger;
}

/** A loaded function: which workers hold it, what its runs cost, and its queues. */
interface PoolFunction {
  handle: number;
  fn: LoadedFunction;
  /** By slot index: 1 once the worker was sent this function. */
  on: Uint8Array;
  unloaded: boolean;
  /** Most of its invocations in workers at once, once its cost is known. */
  cap: number;
  cost: RunCost;
  /** Its invocations handed to workers now. */
  inWorkers: number;
  /** Those of them seen running longer than SLOW_MS: while any does, it counts as slow. */
  longRuns: number;
  /** Waiting for a worker. */
  queue: Fifo<Job>;
  /** Over the queue, waiting for a place in it. */
  waiting: Fifo<Job>;
  /** In the pool's round-robin of functions with queued invocations. */
  inRing: boolean;
}

interface Job extends QueuedJob {
  entry: PoolFunction;
  /** Sent while its function counted as slow: nothing is lined up behind it. */
  slow: boolean;
  /** Seen running longer than SLOW_MS (counted in its function's longRuns). */
  long: boolean;
  /** Its place in the worker's line (line.ts). */
  seq: number;
  /** Its time limit in ms when not its function's: what was left when it was moved; 0 otherwise. */
  budgetMs: number;
  /** Being stopped on a regular worker, to start again on a spare (see seenLong). */
  moving: boolean;
  /** When it was moving: how long it had run. */
  ranMs: number;
  /** Its expected run time (ms), added to the backlog of the worker it is sent to. */
  cost: number;
  id: number;
  requestId: string;
  request: RequestParts;
  resolve: (result: InvocationResult) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  control: Int32Array;
  started: Float64Array;
  jobs: RingWriter;
  results: RingReader;
  line: LineWriter;
  /** Handed to the worker, in the order it runs them. */
  inflight: InflightJobs<Job>;
  /** How many of those are slow jobs. */
  slowHeld: number;
  /** Expected run time (ms) of what it holds. */
  backlog: number;
  /** The job last seen past its deadline, and the thread's CPU time (ms) when it was. */
  overdueJob: number;
  cpuAtDeadline: number;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);
const WATCHDOG_TICK_MS = 20;
const PIPELINE_DEPTH = 16;
/**
 * A worker holding more expected work than this takes no more until it has run some. A fast
 * function's runs take microseconds (hello-world ~4 µs: a full line of 16 is ~0.06 ms), so
 * this bounds what a request can wait behind in a worker to about 1 ms, whatever ran before it.
 */
const BACKLOG_MS = 1;
/**
 * A function alone may fill every regular worker's line: capped at half of it (8 per worker),
 * hello-world lost 13% of its req/s (`bun bench/ab.ts`, 6 rounds, CPU 17.7 against 15.3 µs per
 * request). Others still get their turn: the queues are served round-robin.
 */
export const DEFAULT_CONCURRENCY_PER_WORKER = PIPELINE_DEPTH;
export const DEFAULT_WAIT_MS = 1000;
/**
 * Requests that may wait for a place, all functions together: at least WAITING_MIN (a wait
 * costs the request's memory, which the connection holds anyway), more with a bigger queue.
 * Past it requests are refused at once.
 */
const WAITING_PER_QUEUED = 16;
const WAITING_MIN = 4096;
/** Ids are compared for equality only; wrapping keeps them in the Int32 control block. */
const MAX_ID = 0x3fffffff;

/** Slow by its runs so far, or because one of its runs is running long now. */
function isSlow(entry: PoolFunction): boolean {
  return entry.cost.slow || entry.longRuns > 0;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly functions = new Map<string, PoolFunction>();
  private readonly queues: FunctionQueues<PoolFunction, Job>;
  private readonly defaultConcurrency: number;
  /**
   * Most invocations of one heavy function (most of its runs slow, run-cost.ts) running at once:
   * half the regular workers. A slow run that finishes (not a runaway, which runs in the
   * background) uses a whole core, so two at once on 2 cores left hello-world 40-47% of its
   * throughput (tests/reliability/saturation, near-limit); one at a time leaves the others half.
   */
  private readonly slowShare: number;
  private nextHandle = 1;
  private nextId = 1;
  private restarts = 0;
  /** Sum over functions of the workers holding each. */
  private held = 0;
  /** No new invocations once closing; `stopped` once the workers are gone. */
  private closed = false;
  private stopped = false;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private readonly toWake = new Set<Slot>();
  /**
   * A dropped module is freed once the main thread and every worker that held it have
   * collected, and each worker collects after so many bytes of unloaded modules: one bound
   * shared out, so dead modules awaiting collection do not grow with the number of workers.
   */
  private readonly collectAfterBytes: number;
  /** Regular workers and spares: the most slots there will be. */
  private readonly maxSlots: number;

  constructor(private readonly options: PoolOptions) {
    this.maxSlots = options.size + (options.spares ?? 0);
    this.collectAfterBytes = Math.ceil(COLLECT_AFTER_BYTES / this.maxSlots);
    this.queues = new FunctionQueues({
      queue: options.queueLimit,
      perFunction: Math.min(options.functionQueueLimit ?? options.queueLimit, options.queueLimit),
      waitMs: options.waitMs ?? DEFAULT_WAIT_MS,
      waiting: options.waitingLimit ?? Math.max(WAITING_MIN, WAITING_PER_QUEUED * options.queueLimit),
    });
    this.defaultConcurrency = options.defaultConcurrency ?? DEFAULT_CONCURRENCY_PER_WORKER * options.size;
    this.slowShare = Math.max(1, Math.floor(options.size / 2));
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
    this.watchdog = setInterval(() => this.tick(), WATCHDOG_TICK_MS);
    this.watchdog.unref?.();
  }

  load(fn: LoadedFunction): void {
    const prior = this.functions.get(fn.key);
    if (prior) {
      // A new version gets a new handle, so a job sent after this never runs the old one in a
      // worker that has not read this message yet (a job can overtake a message); the workers
      // holding the old one swap it for the new one now, and run any job still sent for the
      // old handle on the new version.
      const replaces = prior.handle;
      prior.handle = this.nextHandle++;
      prior.fn = fn;
      prior.cap = fn.maxConcurrency ?? this.defaultConcurrency;
      for (const slot of this.slots) if (prior.on[slot.index]) this.post(slot, { type: "load", handle: prior.handle, fn, replaces });
      return;
    }
    this.functions.set(fn.key, {
      handle: this.nextHandle++, fn, on: new Uint8Array(this.maxSlots), unloaded: false,
      cap: fn.maxConcurrency ?? this.defaultConcurrency, cost: new RunCost(this.options.slowMemoryMs), inWorkers: 0, longRuns: 0,
      queue: new Fifo(), waiting: new Fifo(), inRing: false,
    });
  }

  unload(key: string): void {
    const entry = this.functions.get(key);
    if (!entry) return;
    this.functions.delete(key);
    entry.unloaded = true;
    // Nothing of it will run any more; edge nodes unload only once no request holds a function.
    for (const job of this.queues.takeAll(entry)) job.resolve({ outcome: "not_found", response: null, detail: `function ${key} is not loaded` });
    this.dropFromWorkers(entry);
  }

  private dropFromWorkers(entry: PoolFunction): void {
    for (const slot of this.slots) {
      if (!entry.on[slot.index]) continue;
      entry.on[slot.index] = 0;
      this.held--;
      this.post(slot, { type: "unload", handle: entry.handle, estimatedBytes: entry.fn.estimatedBytes ?? 0 });
    }
  }

  /** Never rejects: every way an invocation can end is an outcome. */
  invoke(key: string, requestId: string, request: RequestParts): Promise<InvocationResult> {
    if (this.closed) return Promise.resolve({ outcome: "shutting_down", response: null });
    const entry = this.functions.get(key);
    if (!entry) return Promise.resolve({ outcome: "not_found", response: null, detail: `function ${key} is not loaded` });
    // Collect finished results while here: under load that saves the workers waking this thread.
    for (const slot of this.slots) if (!slot.results.empty()) this.drain(slot);
    return new Promise((resolve) => {
      this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
      const job: Job = { entry, slow: false, long: false, seq: 0, budgetMs: 0, moving: false, ranMs: 0, cost: 0, startBy: Infinity, id: this.nextId, requestId, request, resolve };
      if (entry.queue.size === 0 && entry.inWorkers < this.capOf(entry)) {
        const slot = this.pickSlot(entry);
        if (slot) return this.send(slot, job);
      }
      if (this.queues.add(entry, job) === "full") job.resolve({ outcome: "overload", response: null, detail: this.queues.fullness(entry) });
    });
  }

  stats() {
    let busy = 0;
    let held = 0;
    for (const slot of this.slots) {
      if (slot.inflight.size > 0) busy++;
      held += slot.inflight.size;
    }
    return {
      workers: this.slots.length, busy, inWorkers: held, queued: this.queues.queued, waiting: this.queues.waiting,
      queueLimit: this.options.queueLimit, restarts: this.restarts, functionsHeld: this.held,
    };
  }

  /** Stops taking work, lets running and queued invocations finish for up to `drainMs`, then stops the workers. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (Date.now() < until && (this.slots.some((s) => s.inflight.size > 0) || this.queues.any)) {
      await Bun.sleep(5);
    }
    clearInterval(this.watchdog);
    this.stopped = true;
    for (const entry of this.functions.values()) for (const job of this.queues.takeAll(entry)) job.resolve({ outcome: "shutting_down", response: null });
    for (const slot of this.slots) {
      for (const job of slot.inflight.takeAll()) job.resolve({ outcome: "shutting_down", response: null });
      slot.worker.terminate();
      slot.results.interrupt();
    }
  }

  /**
   * A function at its cap waits. One whose cost is unknown runs one invocation first, unless
   * that one is seen running long: then it is slow, and goes where slow work goes.
   */
  private capOf(entry: PoolFunction): number {
    // Held to its share when its runs are typically heavy, or one ran into its limit lately: a
    // function whose requests are mostly fast keeps its concurrency (on the spares) while one of
    // them runs long; one that loops now and then does not (beside it, hello-world's p99 was
    // 4.0-4.6x alone, 2.4-2.6x with it held to its share: tests/reliability/saturation).
    if (entry.cost.slow) return entry.cost.heavy || entry.cost.runaway ? this.slowCap(entry) : entry.cap;
    if (entry.cost.known) return entry.cap;
    if (entry.inWorkers > 0 && this.runningLong(entry)) return this.slowCap(entry);
    return 1;
  }

  /** A slow function's share is kept from it only for the others: a pool serving one has none. */
  private slowCap(entry: PoolFunction): number {
    return this.functions.size > 1 ? Math.min(entry.cap, this.slowShare) : entry.cap;
  }

  /** Whether an invocation of `entry` has been running longer than SLOW_MS (which marks it slow). */
  private runningLong(entry: PoolFunction): boolean {
    const now = Date.now();
    for (const slot of this.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const job = slot.inflight.get(running);
      if (job?.entry !== entry) continue;
      this.seenLong(slot, job, now);
      return true;
    }
    return false;
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const jobs = createRing(RING_BYTES);
    const results = createRing(RING_BYTES);
    const line = createLine();
    const slot: Slot = {
      index, worker,
      control: new Int32Array(control), started: new Float64Array(control),
      jobs: new RingWriter(jobs), results: new RingReader(results), line: new LineWriter(line),
      inflight: new InflightJobs(),
      slowHeld: 0,
      backlog: 0,
      overdueJob: 0,
      cpuAtDeadline: 0,
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.settle(slot, event.data.result);
    worker.onerror = (event: ErrorEvent) => this.replace(slot, "worker_crash", `worker error: ${event.message}`);
    worker.addEventListener("close", () => {
      if (this.slots[slot.index] === slot && !this.closed) this.replace(slot, "worker_crash", "worker exited");
    });
    // On spares, functions that ran into their time limit run in the background (worker.ts,
    // os-thread.ts): a runaway loop then takes only CPU that fast work leaves. Measured beside a
    // function looping to its 50 ms limit 10 times a second (hello at 2,000/s on this 2-core
    // machine), p99 of the hello requests overlapping a loop: 5.2 ms with the loop at normal
    // priority, 4.1-4.7 at nice 19, 3.3-3.5 as SCHED_IDLE.
    const background = index >= this.options.size && (this.options.sparePriority ?? "idle") === "idle";
    this.post(slot, {
      type: "init", control, line, jobs, results, logLevel: this.options.logLevel, workerIndex: index, background,
      instanceReuse: this.options.instanceReuse ?? true, collectAfterBytes: this.collectAfterBytes,
    });
    // A replacement starts empty: what the old worker held is gone with it.
    for (const entry of this.functions.values()) {
      this.held -= entry.on[index]!;
      entry.on[index] = 0;
    }
    this.listen(slot);
    return slot;
  }

  private post(slot: Slot, msg: ToWorker): void {
    slot.worker.postMessage(msg);
    // The worker may be blocked on its jobs ring: tell it there is mail and wake it.
    Atomics.add(slot.control, CONTROL_MAIL, 1);
    slot.jobs.interrupt();
  }

  /** Waits (without blocking the thread) for the worker to publish results, drains them, repeats. */
  private listen(slot: Slot): void {
    this.drain(slot);
    const sleeping = slot.results.sleep();
    const again = () => {
      if (this.slots[slot.index] === slot && !this.stopped) this.listen(slot);
    };
    if (sleeping) sleeping.then(again);
    else queueMicrotask(again);
  }

  private drain(slot: Slot): void {
    const ring = slot.results;
    let at: number;
    let settled = false;
    while ((at = ring.next()) >= 0) {
      const r = readResult(ring, at);
      ring.release();
      const response = r.outcome === "ok" ? { status: r.status, headers: r.headers, body: r.body } : null;
      this.settle(slot, { id: r.id, outcome: r.outcome, response, detail: r.detail, runMs: r.runMs, cpuMs: r.cpuMs }, false);
      settled = true;
    }
    if (settled) this.pump();
  }

  private settle(slot: Slot, result: PostedResult, pump = true): void {
    const job = slot.inflight.take(result.id);
    if (job) {
      slot.backlog = slot.inflight.size === 0 ? 0 : slot.backlog - job.cost;
      if (job.slow) slot.slowHeld--;
      const entry = job.entry;
      entry.inWorkers--;
      if (job.long) entry.longRuns--;
      const runMs = result.runMs;
      if (job.moving && result.outcome === "timeout" && result.detail === MOVED) {
        this.move(job, runMs, result.cpuMs);
        if (pump) this.pump();
        return;
      }
      job.moving = false;
      if (!Number.isNaN(runMs)) {
        // The CPU it used, where the run was long enough to read it: not the time it waited for a CPU.
        const cost = Number.isNaN(result.cpuMs) ? runMs : Math.min(runMs, result.cpuMs);
        if (entry.cost.observe(cost, result.outcome === "timeout")) this.startSpares();
      }
      this.queues.ready(entry);
      job.resolve({ outcome: result.outcome, response: result.response, detail: result.detail || undefined, runMs: Number.isNaN(runMs) ? undefined : runMs });
    }
    if (pump) this.pump();
  }

  /**
   * A worker for the next invocation of `entry`: the least-loaded one with room, skipping those
   * busy with something slow. Slow functions run on the spares only (with no spares, on every
   * regular worker but one; a function alone in the pool, anywhere); others on the regular
   * workers, and on the spares only when slow work holds regular workers.
   */
  private pickSlot(entry: PoolFunction): Slot | null {
    const regular = this.options.size;
    if (isSlow(entry)) {
      if (this.maxSlots > regular) {
        this.startSpares();
        // Alone in the pool, a slow function keeps nobody from the regular workers: it may use them too.
        return this.pickIn(regular, this.slots.length) ?? (this.functions.size === 1 ? this.pickIn(0, regular) : null);
      }
      // The last regular worker is kept for the other functions (a pool serving one keeps none).
      if (regular > 1 && this.functions.size > 1 && this.slowRegular() >= regular - 1) return null;
      return this.pickIn(0, regular);
    }
    // Fast work spills onto the spares only when slow work holds regular workers, not when
    // they are merely full: spreading a saturating load over more threads than cores costs CPU.
    return this.pickIn(0, regular) ?? (this.heldBySlow && this.slots.length > regular ? this.pickIn(regular, this.slots.length) : null);
  }

  /** Regular workers holding slow work (only where there are no spares). */
  private slowRegular(): number {
    let count = 0;
    for (let i = 0; i < this.options.size; i++) if (this.slots[i]!.slowHeld > 0) count++;
    return count;
  }

  /** Set by pickIn: whether it passed over a worker because of slow work. */
  private heldBySlow = false;

  private pickIn(from: number, to: number): Slot | null {
    let best: Slot | null = null;
    let now = 0;
    this.heldBySlow = false;
    for (let i = from; i < to; i++) {
      const slot = this.slots[i]!;
      const load = slot.inflight.size;
      if (load >= PIPELINE_DEPTH || (best && load >= best.inflight.size)) continue;
      if (load > 0) {
        if (slot.slowHeld > 0) {
          this.heldBySlow = true;
          continue;
        }
        const running = Atomics.load(slot.control, CONTROL_RUNNING);
        if (running !== 0) {
          now ||= Date.now();
          if (now - slot.started[CONTROL_STARTED_F64] > SLOW_MS) {
            const job = slot.inflight.get(running);
            if (job) this.seenLong(slot, job, now);
            this.heldBySlow = true;
            continue;
          }
        }
        if (slot.backlog >= BACKLOG_MS) continue;
      }
      best = slot;
      if (load === 0) break;
    }
    return best;
  }

  /**
   * A job seen running longer than SLOW_MS: its function counts as slow while it runs (and for
   * good if its cost was not known yet), and what waits behind it in its worker is taken back.
   * On a regular worker, beside other functions, the job itself is moved: stopped at its next
   * fuel check and started again on a spare with what is left of its time limit. Guest code
   * has no effect outside its invocation but its answer and its log lines, so running it again
   * from the start is safe, as long as it has logged nothing (the worker moves only such a
   * run; one that has logged runs on where it is). Without this, each function
   * that loops where it was judged fast held a regular worker for its whole limit: 100 such
   * functions left hello-world no answer at all for seconds (an attacker's pass, `a2-many`).
   */
  private seenLong(slot: Slot, job: Job, now: number): void {
    if (job.long) return;
    job.long = true;
    job.entry.longRuns++;
    if (job.entry.cost.sighted()) this.startSpares();
    this.takeBackDue = true;
    if (slot.index >= this.options.size || this.maxSlots === this.options.size || this.functions.size < 2 || job.budgetMs > 0) return;
    job.moving = true;
    job.ranMs = now - slot.started[CONTROL_STARTED_F64];
    Atomics.store(slot.control, CONTROL_MOVE, job.id);
  }

  /** Set when a job was seen running long: the jobs behind it are taken back at the next chance. */
  private takeBackDue = false;

  /** Takes back, from every worker whose current job runs long, the jobs lined up behind it. */
  private takeBack(): void {
    this.takeBackDue = false;
    const now = Date.now();
    for (const slot of this.slots) {
      if (slot.inflight.size < 2) continue;
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const back = new Map<PoolFunction, Job[]>();
      for (const job of slot.inflight.snapshot()) {
        if (job.id === running || !slot.line.revoke(job.seq)) continue;
        slot.inflight.take(job.id);
        this.leaveSlot(slot, job);
        const list = back.get(job.entry) ?? [];
        list.push(job);
        back.set(job.entry, list);
      }
      for (const [entry, jobs] of back) this.queues.putBack(entry, jobs);
    }
  }

  /** A job stopped on a regular worker starts again on a spare, with what is left of its time limit. */
  private move(job: Job, runMs: number, cpuMs: number): void {
    const entry = job.entry;
    const ran = Math.max(job.ranMs, Number.isNaN(runMs) ? 0 : runMs);
    job.moving = false;
    job.long = false;
    job.budgetMs = Math.max(1, Math.ceil(entry.fn.limits.maxExecutionMs - ran));
    // Judged by the CPU it used: one that spent most of its time so far on a CPU is slow (and
    // starts again on a spare); a fast run that was only waiting for a CPU when it was seen (a
    // 4 µs run preempted for 6 ms) is moved all the same, but does not make its function slow.
    const cost = Number.isNaN(cpuMs) ? ran : Math.min(ran, cpuMs);
    if (entry.cost.observe(cost * 2 >= ran ? Math.max(cost, SLOW_MS + 1) : cost)) this.startSpares();
    this.queues.putBack(entry, [job]);
    // First in its function's line, but like any request it must start within the overload wait.
    if (this.queues.limits.waitMs > 0) job.startBy = Date.now() + this.queues.limits.waitMs;
  }

  /** Accounts for a job no longer in `slot`'s line (taken back, or its worker replaced). */
  private leaveSlot(slot: Slot, job: Job): void {
    slot.backlog = slot.inflight.size === 0 ? 0 : slot.backlog - job.cost;
    if (job.slow) slot.slowHeld--;
    job.entry.inWorkers--;
    if (job.long) {
      job.entry.longRuns--;
      job.long = false;
    }
  }

  /** The first function seen running slow starts the spares. */
  private startSpares(): void {
    while (this.slots.length < this.maxSlots && !this.closed) this.slots.push(this.spawn(this.slots.length));
  }

  private send(slot: Slot, job: Job): void {
    const entry = job.entry;
    if (entry.unloaded) {
      // Unloaded while the job waited: loading it now would leave it in a worker for good.
      return job.resolve({ outcome: "not_found", response: null, detail: `function ${entry.fn.key} is not loaded` });
    }
    job.slow = isSlow(entry);
    // Unknown cost counts as a full backlog: nothing lines up behind a function's first run.
    job.cost = entry.cost.estimate(BACKLOG_MS);
    if (job.slow) slot.slowHeld++;
    slot.backlog += job.cost;
    entry.inWorkers++;
    if (!entry.on[slot.index]) {
      entry.on[slot.index] = 1;
      this.held++;
      this.post(slot, { type: "load", handle: entry.handle, fn: entry.fn });
    }
    slot.inflight.add(job);
    job.seq = slot.line.enter();
    if (writeJob(slot.jobs, job.id, job.seq, job.budgetMs, entry.handle, job.requestId, job.request)) return this.wakeSoon(slot);
    // Too big for the ring (or it is full): the same job by message.
    this.post(slot, { type: "invoke", job: { id: job.id, fn: entry.handle, seq: job.seq, budgetMs: job.budgetMs, requestId: job.requestId, request: job.request } });
  }

  /**
   * Wakes a sleeping worker once per event-loop turn rather than once per job: waking a thread
   * costs ~10 µs here, and the jobs of one turn can share it.
   */
  private wakeSoon(slot: Slot): void {
    if (this.toWake.size === 0) setImmediate(() => {
      for (const s of this.toWake) s.jobs.wake();
      this.toWake.clear();
    });
    this.toWake.add(slot);
  }

  /**
   * Hands queued invocations to workers: one per function per turn, round the functions with
   * queued work, starting after the one served last. A function at its cap, or that finds no
   * worker of its kind (slow or not), is passed over and keeps its place, so it is first in
   * line when a worker frees; once neither kind finds a worker the pass ends.
   */
  private pump(): void {
    if (this.takeBackDue) this.takeBack();
    this.dispatch();
    // A job seen running long meanwhile: what waited behind it goes back to the queues, and out again.
    if (this.takeBackDue) {
      this.takeBack();
      this.dispatch();
    }
  }

  private dispatch(): void {
    const queues = this.queues;
    const ring = queues.ring;
    let fastOpen = true;
    let slowOpen = true;
    let at = queues.cursor;
    let passed = 0;
    while (ring.length > 0 && passed < ring.length && (fastOpen || slowOpen)) {
      if (at >= ring.length) at = 0;
      const entry = ring[at]!;
      if (entry.queue.size === 0) {
        queues.leave(at);
        continue;
      }
      const slow = isSlow(entry);
      const underCap = entry.inWorkers < this.capOf(entry);
      const slot = underCap && (slow ? slowOpen : fastOpen) ? this.pickSlot(entry) : null;
      if (!slot) {
        if (underCap) {
          if (slow) slowOpen = false;
          else fastOpen = false;
        }
        at++;
        passed++;
        continue;
      }
      passed = 0;
      this.send(slot, queues.take(entry));
      queues.cursor = ++at;
    }
    // Room in the queue of all functions: let in those waiting for it.
    queues.admitAll();
  }

  private tick(): void {
    this.checkDeadlines();
    this.watchLongRuns();
    if (!this.queues.any && !this.takeBackDue) return;
    this.queues.expire(Date.now(), (job, why) => job.resolve({ outcome: "overload", response: null, detail: why }));
    // What waits may be placeable now without any result having come back: a run seen running
    // long since makes its function slow, and it goes where slow work goes.
    this.pump();
  }

  /** Looks at what each worker runs, as placing jobs does: long runs are seen even while nothing is placed. */
  private watchLongRuns(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const job = slot.inflight.get(running);
      if (job) this.seenLong(slot, job, now);
    }
  }

  /** Backstop for a worker that stopped answering: the fuel checks should have ended the guest already. */
  private checkDeadlines(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      const job = running === 0 ? undefined : slot.inflight.get(running);
      if (!job) continue;
      const late = now - (slot.started[CONTROL_STARTED_F64] + (job.budgetMs || job.entry.fn.limits.maxExecutionMs));
      if (late <= 0) continue;
      // CPU time is read when a job is first seen late, then at each tick only once the wall-time
      // grace is over: no /proc reads for jobs on time, one for a job that stops at its checks.
      const tid = Atomics.load(slot.control, CONTROL_TID);
      if (slot.overdueJob !== job.id) {
        slot.overdueJob = job.id;
        slot.cpuAtDeadline = tid > 0 ? (threadCpuMs(tid) ?? -1) : -1;
      }
      if (late <= WATCHDOG_GRACE_MS) continue;
      // A thread that has not run since its deadline (a background spare on a busy node) is
      // waiting for a CPU, not stuck: it ends at its next fuel check once it runs.
      const cpu = slot.cpuAtDeadline >= 0 ? threadCpuMs(tid) : null;
      if (!presumedStuck(late, cpu === null ? null : cpu - slot.cpuAtDeadline)) continue;
      Atomics.store(slot.control, CONTROL_CANCEL, job.id);
      this.options.logger.log("error", "worker unresponsive past its deadline; replacing it", { worker: slot.index, request_id: job.requestId });
      this.replace(slot, "timeout", "watchdog: worker did not answer by the deadline");
    }
  }

  /**
   * Swaps a dead or stuck worker for a fresh one. The invocation it was running gets `outcome`;
   * the ones lined up behind it never started, so they go back to the front of their queues.
   */
  private replace(old: Slot, outcome: Outcome, detail: string): void {
    if (this.closed || this.slots[old.index] !== old) return;
    const running = Atomics.load(old.control, CONTROL_RUNNING);
    old.worker.onmessage = null;
    old.worker.terminate();
    old.results.interrupt();
    this.restarts++;
    this.slots[old.index] = this.spawn(old.index);
    const back = new Map<PoolFunction, Job[]>();
    for (const job of old.inflight.takeAll()) {
      this.leaveSlot(old, job);
      if (job.id === running) {
        if (job.entry.cost.observe(job.entry.fn.limits.maxExecutionMs, true)) this.startSpares();
        job.resolve({ outcome, response: null, detail });
      } else {
        const list = back.get(job.entry) ?? [];
        list.push(job);
        back.set(job.entry, list);
      }
    }
    for (const [entry, jobs] of back) this.queues.putBack(entry, jobs);
    this.pump();
  }
}
