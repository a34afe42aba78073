// A fixed pool of Bun Workers with a bounded queue. The main thread never runs guest code;
// it only dispatches, times out and replaces workers.
//
// Invocations go to a worker through a shared-memory ring and results come back through
// another (ring.ts, wire.ts): no structured clone per request. Each worker may hold a few
// invocations (PIPELINE_DEPTH) that it runs in order, so the thread hop is not waited on; a
// worker whose current invocation has run longer than SLOW_MS gets no new work while others
// can take it. The function of such an invocation is then remembered as slow for a while, and
// no work is queued behind its invocations at all: otherwise each new slow request would
// hold up to PIPELINE_DEPTH fast ones for its whole run (measured: good requests' p99 went
// from 1.5 ms to 50 ms beside a function looping to its 50 ms limit).
//
// Beyond the regular workers (one per core) the pool keeps a few spares that take the
// invocations of functions marked slow first, so that slow functions hold spares, not the
// workers fast requests run on. Fast work goes to a spare only when every regular worker is
// held by slow work. The spares start when the first function is seen running slow: a node whose
// functions are all fast never pays for them (~4 MiB each idle).
//
// A function is loaded into a worker with the first job sent there, not into every worker when
// it is deployed: a worker's handle on a module keeps it alive until that worker collects, so
// handles held everywhere made RSS grow with the core count (1,000 x 128 KiB functions, one
// request each: ~20 MiB more with 2 spares started; see collectAfterBytes below for the rest).
// Measured (tests/reliability/mixed-load, 2 regular workers, 4 bad functions
// at 10/s each): good requests' p99 9.4-12.3 ms without spares, 4.3 ms with 2; a saturating
// hello-world load leaves the spares idle (wrk: same req/s and CPU per request).
import type { Outcome } from "../outcome";
import type { Logger, LogLevel } from "../observe/log";
import { presumedStuck, WATCHDOG_GRACE_MS } from "./limits";
import { threadCpuMs } from "./os-thread";
import {
  CONTROL_BYTES, CONTROL_CANCEL, CONTROL_MAIL, CONTROL_RUNNING, CONTROL_STARTED_F64, CONTROL_TID, RING_BYTES,
  type FromWorker, type GuestResponse, type LoadedFunction, type PostedResult, type ToWorker,
} from "./protocol";
import { COLLECT_AFTER_BYTES } from "./collect-soon";
import { InflightJobs } from "./inflight";
import { createRing, RingReader, RingWriter } from "./ring";
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
   * Workers kept for invocations of functions seen running slow (and for everything when the
   * regular ones are all held by such). Without them, two slow functions on a 2-worker pool
   * leave fast requests nothing to run on for the length of the slow runs.
   */
  spares?: number;
  queueLimit: number;
  /** How long a function stays marked slow after it was last seen running slow (tests shorten it). */
  slowMemoryMs?: number;
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

/** A loaded function, and which workers hold it (loaded into a worker on its first job there). */
interface Registered {
  handle: number;
  fn: LoadedFunction;
  /** By slot index: 1 once the worker was sent this function. */
  on: Uint8Array;
  unloaded: boolean;
}

interface Job {
  /** Its function: the handle, limits and workers holding it. */
  entry: Registered;
  /** Sent while its function was marked slow: nothing is queued behind it. */
  slow: boolean;
  /** Date.now() when a slow job was sent (0 for others): whether it still runs slow. */
  sentAt: number;
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
  /** Handed to the worker, in the order it runs them. */
  inflight: InflightJobs<Job>;
  /** How many of those are slow jobs. */
  slowHeld: number;
  /** The job last seen past its deadline, and the thread's CPU time (ms) when it was. */
  overdueJob: number;
  cpuAtDeadline: number;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);
const WATCHDOG_TICK_MS = 20;
const PIPELINE_DEPTH = 16;
const SLOW_MS = 5;
/** How long a function stays marked slow after one of its invocations was seen running long. */
const SLOW_MEMORY_MS = 10_000;
/** Ids are compared for equality only; wrapping keeps them in the Int32 control block. */
const MAX_ID = 0x3fffffff;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  /**
   * Jobs waiting for a worker, from queueHead on. A taken job's entry is cleared at once: the
   * array lives long, and what it still points to survives young-generation collections
   * (measured: ~900 answered jobs kept alive through each, see inflight.ts).
   */
  private queue: (Job | undefined)[] = [];
  private queueHead = 0;
  private readonly functions = new Map<string, Registered>();
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
  /** Function handle -> until when it counts as slow. */
  private readonly slowUntil = new Map<number, number>();

  constructor(private readonly options: PoolOptions) {
    this.maxSlots = options.size + (options.spares ?? 0);
    this.collectAfterBytes = Math.ceil(COLLECT_AFTER_BYTES / this.maxSlots);
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
    this.watchdog = setInterval(() => this.checkDeadlines(), WATCHDOG_TICK_MS);
    this.watchdog.unref?.();
  }

  load(fn: LoadedFunction): void {
    const prior = this.functions.get(fn.key);
    if (prior) {
      // A new version: the workers holding the old one take it now, so none keeps the old module.
      prior.fn = fn;
      for (const slot of this.slots) if (prior.on[slot.index]) this.post(slot, { type: "load", handle: prior.handle, fn });
      return;
    }
    this.functions.set(fn.key, { handle: this.nextHandle++, fn, on: new Uint8Array(this.maxSlots), unloaded: false });
  }

  unload(key: string): void {
    const entry = this.functions.get(key);
    if (!entry) return;
    this.functions.delete(key);
    entry.unloaded = true;
    for (const slot of this.slots) {
      if (!entry.on[slot.index]) continue;
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
      const job: Job = { entry, slow: this.isSlow(entry.handle), sentAt: 0, id: this.nextId, requestId, request, resolve };
      const slot = this.pickSlot(job.slow);
      if (slot) return this.send(slot, job);
      if (this.queue.length - this.queueHead >= this.options.queueLimit) {
        return resolve({ outcome: "overload", response: null, detail: `queue full (${this.options.queueLimit})` });
      }
      this.queue.push(job);
    });
  }

  stats() {
    let busy = 0;
    let held = 0;
    for (const slot of this.slots) {
      if (slot.inflight.size > 0) busy++;
      held += slot.inflight.size;
    }
    return { workers: this.slots.length, busy, inWorkers: held, queued: this.queue.length - this.queueHead, queueLimit: this.options.queueLimit, restarts: this.restarts, functionsHeld: this.held };
  }

  /** Stops taking work, lets running and queued invocations finish for up to `drainMs`, then stops the workers. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (Date.now() < until && (this.slots.some((s) => s.inflight.size > 0) || this.queue.length > this.queueHead)) {
      await Bun.sleep(5);
    }
    clearInterval(this.watchdog);
    this.stopped = true;
    for (const job of this.queue.splice(this.queueHead)) job?.resolve({ outcome: "shutting_down", response: null });
    for (const slot of this.slots) {
      for (const job of slot.inflight.takeAll()) job.resolve({ outcome: "shutting_down", response: null });
      slot.worker.terminate();
      slot.results.interrupt();
    }
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const jobs = createRing(RING_BYTES);
    const results = createRing(RING_BYTES);
    const slot: Slot = {
      index, worker,
      control: new Int32Array(control), started: new Float64Array(control),
      jobs: new RingWriter(jobs), results: new RingReader(results),
      inflight: new InflightJobs(),
      slowHeld: 0,
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
      type: "init", control, jobs, results, logLevel: this.options.logLevel, workerIndex: index, background,
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
      this.settle(slot, { id: r.id, outcome: r.outcome, response, detail: r.detail, runMs: r.runMs }, false);
      settled = true;
    }
    if (settled) this.pump();
  }

  private settle(slot: Slot, result: PostedResult, pump = true): void {
    const job = slot.inflight.take(result.id);
    if (job) {
      if (job.slow) {
        slot.slowHeld--;
        // Still slow: keep it marked. Marks are made only where regular workers are scanned, and
        // a slow function runs on the spares, so without this it would be forgotten after
        // SLOW_MEMORY_MS and sent to a regular worker again, holding up what is queued there.
        const now = Date.now();
        if (now - job.sentAt > SLOW_MS) this.markSlow(job.entry.handle, now);
      }
      job.resolve({ outcome: result.outcome, response: result.response, detail: result.detail || undefined, runMs: Number.isNaN(result.runMs) ? undefined : result.runMs });
    }
    if (pump) this.pump();
  }

  /**
   * The least-loaded worker with room, skipping those busy with something slow. Slow work looks
   * among the spares first, other work among the regular workers first; either falls back on
   * the other group.
   */
  private pickSlot(slow: boolean): Slot | null {
    const regular = this.options.size;
    if (regular >= this.slots.length) return this.pickIn(0, this.slots.length);
    if (slow) return this.pickIn(regular, this.slots.length) ?? this.pickIn(0, regular);
    // Fast work spills onto the spares only when slow work holds the regular workers, not when
    // they are merely full: spreading a saturating load over more threads than cores costs CPU.
    return this.pickIn(0, regular) ?? (this.heldBySlow ? this.pickIn(regular, this.slots.length) : null);
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
            if (job) this.markSlow(job.entry.handle, now);
            this.heldBySlow = true;
            continue;
          }
        }
      }
      best = slot;
      if (load === 0) break;
    }
    return best;
  }

  private markSlow(fn: number, now: number): void {
    this.slowUntil.set(fn, now + (this.options.slowMemoryMs ?? SLOW_MEMORY_MS));
    // The first sighting starts the spares; the next invocation of `fn` goes to one.
    while (this.slots.length < this.maxSlots && !this.closed) this.slots.push(this.spawn(this.slots.length));
  }

  private isSlow(fn: number): boolean {
    if (this.slowUntil.size === 0) return false;
    const until = this.slowUntil.get(fn);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.slowUntil.delete(fn);
    return false;
  }

  private send(slot: Slot, job: Job): void {
    const entry = job.entry;
    if (entry.unloaded) {
      // Unloaded while the job waited in the queue: loading it now would leave it in a worker for good.
      return job.resolve({ outcome: "not_found", response: null, detail: `function ${entry.fn.key} is not loaded` });
    }
    if (job.slow) {
      slot.slowHeld++;
      job.sentAt = Date.now();
    }
    if (!entry.on[slot.index]) {
      entry.on[slot.index] = 1;
      this.held++;
      this.post(slot, { type: "load", handle: entry.handle, fn: entry.fn });
    }
    slot.inflight.add(job);
    if (writeJob(slot.jobs, job.id, job.entry.handle, job.requestId, job.request)) return this.wakeSoon(slot);
    // Too big for the ring (or it is full): the same job by message.
    this.post(slot, { type: "invoke", job: { id: job.id, fn: job.entry.handle, requestId: job.requestId, request: job.request } });
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

  private pump(): void {
    while (this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead]!;
      job.slow = this.isSlow(job.entry.handle);
      const slot = this.pickSlot(job.slow);
      if (!slot) break;
      this.queue[this.queueHead++] = undefined;
      this.send(slot, job);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Backstop for a worker that stopped answering: the fuel checks should have ended the guest already. */
  private checkDeadlines(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      const job = running === 0 ? undefined : slot.inflight.get(running);
      if (!job) continue;
      const late = now - (slot.started[CONTROL_STARTED_F64] + job.entry.fn.limits.maxExecutionMs);
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
   * the ones queued behind it never started, so they go back to the front of the queue.
   */
  private replace(old: Slot, outcome: Outcome, detail: string): void {
    if (this.closed || this.slots[old.index] !== old) return;
    const running = Atomics.load(old.control, CONTROL_RUNNING);
    old.worker.onmessage = null;
    old.worker.terminate();
    old.results.interrupt();
    this.restarts++;
    this.slots[old.index] = this.spawn(old.index);
    const waiting: Job[] = [];
    for (const job of old.inflight.takeAll()) {
      if (job.id === running) job.resolve({ outcome, response: null, detail });
      else waiting.push(job);
    }
    this.queue.splice(this.queueHead, 0, ...waiting);
    this.pump();
  }
}
