// A fixed pool of Bun Workers with a bounded queue. The main thread never runs guest code;
// it only dispatches, times out and replaces workers.
//
// Throughput comes from not waiting on the thread hop: each worker may hold a few invocations
// (PIPELINE_DEPTH) that it runs in order, and invocations sent in the same tick travel in one
// message. A worker whose current invocation has run longer than SLOW_MS gets no new work while
// others can take it, so a slow guest delays at most what was already queued behind it.
import type { Outcome } from "../outcome";
import type { Logger, LogLevel } from "../observe/log";
import { WATCHDOG_GRACE_MS } from "./limits";
import {
  CONTROL_BYTES, CONTROL_CANCEL, CONTROL_RUNNING, CONTROL_STARTED_F64,
  type FromWorker, type GuestRequest, type GuestResponse, type InvokeJob, type LoadedFunction, type ToWorker,
} from "./protocol";

export interface InvocationResult {
  outcome: Outcome;
  response: GuestResponse | null;
  detail?: string;
}

export interface PoolOptions {
  size: number;
  queueLimit: number;
  logLevel: LogLevel;
  logger: Logger;
}

interface Job extends InvokeJob {
  maxExecutionMs: number;
  resolve: (result: InvocationResult) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  control: Int32Array;
  started: Float64Array;
  /** Sent or about to be sent, in the order the worker runs them. */
  inflight: Map<number, Job>;
  outbox: InvokeJob[];
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);
const WATCHDOG_TICK_MS = 20;
const PIPELINE_DEPTH = 8;
const SLOW_MS = 5;
/** Ids are compared for equality only; wrapping keeps them in the Int32 control block. */
const MAX_ID = 0x3fffffff;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private queue: Job[] = [];
  private queueHead = 0;
  private readonly functions = new Map<string, LoadedFunction>();
  private nextId = 1;
  private restarts = 0;
  private closed = false;
  private readonly flushing = new Set<Slot>();
  private readonly watchdog: ReturnType<typeof setInterval>;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn(i));
    this.watchdog = setInterval(() => this.checkDeadlines(), WATCHDOG_TICK_MS);
    this.watchdog.unref?.();
  }

  load(fn: LoadedFunction): void {
    this.functions.set(fn.key, fn);
    for (const slot of this.slots) this.post(slot, { type: "load", fn });
  }

  unload(key: string): void {
    this.functions.delete(key);
    for (const slot of this.slots) this.post(slot, { type: "unload", key });
  }

  /** Never rejects: every way an invocation can end is an outcome. */
  invoke(key: string, requestId: string, request: GuestRequest): Promise<InvocationResult> {
    if (this.closed) return Promise.resolve({ outcome: "shutting_down", response: null });
    const fn = this.functions.get(key);
    if (!fn) return Promise.resolve({ outcome: "not_found", response: null, detail: `function ${key} is not loaded` });
    return new Promise((resolve) => {
      this.nextId = this.nextId >= MAX_ID ? 1 : this.nextId + 1;
      const job: Job = { id: this.nextId, requestId, key, request, maxExecutionMs: fn.limits.maxExecutionMs, resolve };
      const slot = this.pickSlot();
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
    return { workers: this.slots.length, busy, inWorkers: held, queued: this.queue.length - this.queueHead, queueLimit: this.options.queueLimit, restarts: this.restarts };
  }

  /** Stops taking work, lets running and queued invocations finish for up to `drainMs`, then stops the workers. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (Date.now() < until && (this.slots.some((s) => s.inflight.size > 0) || this.queue.length > this.queueHead)) {
      await Bun.sleep(5);
    }
    clearInterval(this.watchdog);
    for (const job of this.queue.splice(this.queueHead)) job.resolve({ outcome: "shutting_down", response: null });
    for (const slot of this.slots) {
      for (const job of slot.inflight.values()) job.resolve({ outcome: "shutting_down", response: null });
      slot.inflight.clear();
      slot.worker.terminate();
    }
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const slot: Slot = { index, worker, control: new Int32Array(control), started: new Float64Array(control), inflight: new Map(), outbox: [] };
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.onResults(slot, event.data);
    worker.onerror = (event: ErrorEvent) => this.replace(slot, "worker_crash", `worker error: ${event.message}`);
    worker.addEventListener("close", () => {
      if (this.slots[slot.index] === slot && !this.closed) this.replace(slot, "worker_crash", "worker exited");
    });
    this.post(slot, { type: "init", control, logLevel: this.options.logLevel, workerIndex: index });
    for (const fn of this.functions.values()) this.post(slot, { type: "load", fn });
    return slot;
  }

  private post(slot: Slot, msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(msg, transfer);
  }

  /** The least-loaded worker with room, skipping one stuck in a slow invocation. */
  private pickSlot(): Slot | null {
    let best: Slot | null = null;
    let now = 0;
    for (const slot of this.slots) {
      const load = slot.inflight.size;
      if (load >= PIPELINE_DEPTH || (best && load >= best.inflight.size)) continue;
      if (load > 0 && Atomics.load(slot.control, CONTROL_RUNNING) !== 0) {
        now ||= Date.now();
        if (now - slot.started[CONTROL_STARTED_F64] > SLOW_MS) continue;
      }
      best = slot;
      if (load === 0) break;
    }
    return best;
  }

  private send(slot: Slot, job: Job): void {
    slot.inflight.set(job.id, job);
    slot.outbox.push({ id: job.id, requestId: job.requestId, key: job.key, request: job.request });
    if (this.flushing.size === 0) setImmediate(() => this.flush());
    this.flushing.add(slot);
  }

  private flush(): void {
    for (const slot of this.flushing) {
      const jobs = slot.outbox;
      if (jobs.length === 0) continue;
      slot.outbox = [];
      const transfer: ArrayBuffer[] = [];
      for (const job of jobs) {
        const body = job.request.body;
        if (body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) transfer.push(body.buffer as ArrayBuffer);
      }
      this.post(slot, { type: "invoke", jobs }, transfer);
    }
    this.flushing.clear();
  }

  private onResults(slot: Slot, msg: FromWorker): void {
    for (const result of msg.results) {
      const job = slot.inflight.get(result.id);
      if (!job) continue; // a late answer for a job the watchdog already settled
      slot.inflight.delete(result.id);
      job.resolve({ outcome: result.outcome, response: result.response, detail: result.detail });
    }
    this.pump();
  }

  private pump(): void {
    while (this.queueHead < this.queue.length) {
      const slot = this.pickSlot();
      if (!slot) break;
      this.send(slot, this.queue[this.queueHead++]);
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
      if (job && now > slot.started[CONTROL_STARTED_F64] + job.maxExecutionMs + WATCHDOG_GRACE_MS) {
        Atomics.store(slot.control, CONTROL_CANCEL, job.id);
        this.options.logger.log("error", "worker unresponsive past its deadline; replacing it", { worker: slot.index, request_id: job.requestId });
        this.replace(slot, "timeout", "watchdog: worker did not answer by the deadline");
      }
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
    this.restarts++;
    this.slots[old.index] = this.spawn(old.index);
    this.flushing.delete(old);
    const waiting: Job[] = [];
    for (const job of old.inflight.values()) {
      // A body transferred to the dead worker is gone (detached), so that job cannot be retried.
      const bodyLost = job.request.body !== null && job.request.body.byteLength === 0;
      if (job.id === running || bodyLost) job.resolve({ outcome, response: null, detail });
      else waiting.push(job);
    }
    old.inflight.clear();
    this.queue.splice(this.queueHead, 0, ...waiting);
    this.pump();
  }
}
