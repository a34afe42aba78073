// The pool of Bun Workers and the queues in front of it: the main thread never runs guest code;
// it queues and dispatches invocations, collects results, and replaces workers. Its parts, one
// concern each: function-registry.ts (loaded functions), function-queues.ts (each function's
// queue, waiting room and refusals), round-robin.ts (serving the queues), placement.ts (how many
// of a function's invocations may be in workers, and which worker), long-runs.ts (a run that
// turns out long), worker-slot.ts (one worker), watchdog.ts (stuck ones), run-cost.ts and
// cpu-meter.ts (what runs cost). Invocations and results cross in shared-memory rings (ring.ts,
// wire.ts), and each worker may hold a few invocations that it runs in order, so the thread hop
// is not waited on. A function is loaded into a worker with the first job sent there, not into
// every worker when it is deployed: a worker's handle on a module keeps it alive until that
// worker collects.
import type { Outcome } from "../outcome";
import { COLLECT_AFTER_BYTES } from "./collect-soon";
import { FunctionQueues } from "./function-queues";
import { FunctionRegistry } from "./function-registry";
import { MOVED } from "./limits";
import { LongRuns } from "./long-runs";
import { BACKLOG_MS, Placement } from "./placement";
import { isSlow, newJob, putBack, type InvocationResult, type Job, type PoolFunction } from "./pool-function";
import { CONTROL_RUNNING, type FromWorker, type LoadedFunction, type PostedResult } from "./protocol";
import { DEFAULT_CONCURRENCY_PER_WORKER, queueLimits, type PoolOptions } from "./pool-options";
import { serveRoundRobin } from "./round-robin";
import { checkDeadlines } from "./watchdog";
import { writeJob, type RequestParts } from "./wire";
import { drainResults, enterSlot, leaveSlot, openSlot, post, Waker, type Slot } from "./worker-slot";

export type { InvocationResult } from "./pool-function";
export { DEFAULT_CONCURRENCY_PER_WORKER, DEFAULT_WAIT_MS, type PoolOptions } from "./pool-options";

const WATCHDOG_TICK_MS = 20;
const notLoaded = (key: string): InvocationResult => ({
  outcome: "not_found",
  response: null,
  detail: `function ${key} is not loaded`,
});
/** Ids are compared for equality only; wrapping keeps them in the Int32 control block. */
const MAX_ID = 0x3fffffff;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly functions: FunctionRegistry;
  private readonly queues: FunctionQueues<PoolFunction, Job>;
  private readonly placement: Placement;
  private readonly longRuns: LongRuns;
  private readonly waker = new Waker();
  private nextId = 1;
  private restarts = 0;
  /** No new invocations once closing; `stopped` once the workers are gone. */
  private closed = false;
  private stopped = false;
  private readonly watchdog: ReturnType<typeof setInterval>;
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
    this.queues = new FunctionQueues(queueLimits(options));
    const defaultConcurrency = options.defaultConcurrency ?? DEFAULT_CONCURRENCY_PER_WORKER * options.size;
    this.functions = new FunctionRegistry(this.maxSlots, defaultConcurrency, options.slowMemoryMs);
    const shared = {
      slots: this.slots,
      size: options.size,
      maxSlots: this.maxSlots,
      functionCount: () => this.functions.size,
      startSpares: () => this.startSpares(),
    };
    this.longRuns = new LongRuns({ ...shared, queues: this.queues });
    this.placement = new Placement({ ...shared, seenLong: (slot, job, now) => this.longRuns.seen(slot, job, now) });
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
    this.watchdog = setInterval(() => this.tick(), WATCHDOG_TICK_MS);
    this.watchdog.unref?.();
  }

  load(fn: LoadedFunction): void {
    this.functions.load(fn, this.slots);
  }

  unload(key: string): void {
    const entry = this.functions.unload(key, this.slots);
    // Nothing of it will run any more; edge nodes unload only once no request holds a function.
    if (entry) for (const job of this.queues.takeAll(entry)) job.resolve(notLoaded(key));
  }

  /** Never rejects: every way an invocation can end is an outcome. */
  invoke(key: string, requestId: string, request: RequestParts): Promise<InvocationResult> {
    if (this.closed) return Promise.resolve({ outcome: "shutting_down", response: null });
    const entry = this.functions.get(key);
    if (!entry) return Promise.resolve(notLoaded(key));
    // Collect finished results while here: under load that saves the workers waking this thread.
    for (const slot of this.slots) if (!slot.results.empty()) this.drain(slot);
    return new Promise((resolve) => {
      this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
      const job = newJob(entry, this.nextId, requestId, request, resolve);
      if (entry.queue.size === 0 && entry.inWorkers < this.placement.capOf(entry)) {
        const slot = this.placement.pick(entry);
        if (slot) return this.send(slot, job);
      }
      if (this.queues.add(entry, job) === "full")
        job.resolve({ outcome: "overload", response: null, detail: this.queues.fullness(entry) });
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
      workers: this.slots.length,
      busy,
      inWorkers: held,
      queued: this.queues.queued,
      waiting: this.queues.waiting,
      queueLimit: this.options.queueLimit,
      restarts: this.restarts,
      functionsHeld: this.functions.held,
    };
  }

  /** Stops taking work, lets running and queued invocations finish for up to `drainMs`, then stops the workers. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (Date.now() < until && (this.slots.some((s) => s.inflight.size > 0) || this.queues.any)) await Bun.sleep(5);
    clearInterval(this.watchdog);
    this.stopped = true;
    for (const entry of this.functions.values())
      for (const job of this.queues.takeAll(entry)) job.resolve({ outcome: "shutting_down", response: null });
    for (const slot of this.slots) {
      for (const job of slot.inflight.takeAll()) job.resolve({ outcome: "shutting_down", response: null });
      slot.worker.terminate();
      slot.results.interrupt();
    }
  }

  private spawn(index: number): Slot {
    const slot = openSlot(
      index,
      {
        logLevel: this.options.logLevel,
        // On spares, functions that ran into their time limit run in the background (worker.ts,
        // os-thread.ts): a runaway loop then takes only CPU that fast work leaves.
        background: index >= this.options.size && (this.options.sparePriority ?? "idle") === "idle",
        instanceReuse: this.options.instanceReuse ?? true,
        collectAfterBytes: this.collectAfterBytes,
      },
      {
        message: (from, message: FromWorker) => this.settle(from, message.result),
        died: (from, detail) => {
          if (this.slots[from.index] === from && !this.closed) this.replace(from, "worker_crash", detail);
        },
      },
    );
    this.functions.emptied(index);
    this.listen(slot);
    return slot;
  }

  /** The first function seen running slow starts the spares. */
  private startSpares(): void {
    while (this.slots.length < this.maxSlots && !this.closed) this.slots.push(this.spawn(this.slots.length));
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
    if (drainResults(slot, this.settleEach)) this.pump();
  }

  private readonly settleEach = (slot: Slot, result: PostedResult) => this.settle(slot, result, false);

  private settle(slot: Slot, result: PostedResult, pump = true): void {
    const job = slot.inflight.take(result.id);
    if (job) {
      leaveSlot(slot, job);
      const entry = job.entry;
      const runMs = result.runMs;
      if (job.moving && result.outcome === "timeout" && result.detail === MOVED)
        this.longRuns.moved(job, runMs, result.cpuMs);
      else {
        job.moving = false;
        if (!Number.isNaN(runMs)) {
          // The CPU it used, where the run was long enough to read it: not the time it waited for a CPU.
          const cost = Number.isNaN(result.cpuMs) ? runMs : Math.min(runMs, result.cpuMs);
          if (entry.cost.observe(cost, result.outcome === "timeout")) this.startSpares();
        }
        this.queues.ready(entry);
        job.resolve({
          outcome: result.outcome,
          response: result.response,
          detail: result.detail || undefined,
          runMs: Number.isNaN(runMs) ? undefined : runMs,
        });
      }
    }
    if (pump) this.pump();
  }

  private send(slot: Slot, job: Job): void {
    const entry = job.entry;
    if (entry.unloaded) {
      // Unloaded while the job waited: loading it now would leave it in a worker for good.
      return job.resolve(notLoaded(entry.fn.key));
    }
    job.slow = isSlow(entry);
    job.cost = entry.cost.estimate(BACKLOG_MS);
    this.functions.sendTo(entry, slot);
    enterSlot(slot, job);
    job.seq = slot.line.enter();
    if (writeJob(slot.jobs, job.id, job.seq, job.budgetMs, entry.handle, job.requestId, job.request))
      return this.waker.soon(slot);
    // Too big for the ring (or it is full): the same job by message.
    post(slot, {
      type: "invoke",
      job: {
        id: job.id,
        fn: entry.handle,
        seq: job.seq,
        budgetMs: job.budgetMs,
        requestId: job.requestId,
        request: job.request,
      },
    });
  }

  /** Hands queued invocations to workers, first taking back what waits behind a run seen running long. */
  private pump(): void {
    if (this.longRuns.takeBackDue) this.longRuns.takeBack();
    this.dispatch();
    // A run seen running long meanwhile: what waited behind it goes back to the queues, and out again.
    if (this.longRuns.takeBackDue) {
      this.longRuns.takeBack();
      this.dispatch();
    }
  }

  private dispatch(): void {
    serveRoundRobin(this.queues, this.placement, (slot, job) => this.send(slot, job));
  }

  private tick(): void {
    checkDeadlines(this.slots, this.options.logger, (slot) =>
      this.replace(slot, "timeout", "watchdog: worker did not answer by the deadline"),
    );
    this.longRuns.watch();
    if (!this.queues.any && !this.longRuns.takeBackDue) return;
    this.queues.expire(Date.now(), (job, why) => job.resolve({ outcome: "overload", response: null, detail: why }));
    // What waits may be placeable now without any result having come back: a run seen running
    // long since makes its function slow, and it goes where slow work goes.
    this.pump();
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
    const back: Job[] = [];
    for (const job of old.inflight.takeAll()) {
      leaveSlot(old, job);
      if (job.id !== running) back.push(job);
      else {
        if (job.entry.cost.observe(job.entry.fn.limits.maxExecutionMs, true)) this.startSpares();
        job.resolve({ outcome, response: null, detail });
      }
    }
    putBack(this.queues, back);
    this.pump();
  }
}
