// A fixed pool of Bun Workers, one invocation per worker at a time, with a bounded queue.
// The main thread never runs guest code; it only dispatches, times out and replaces.
import type { Outcome } from "../outcome";
import type { Logger, LogLevel } from "../observe/log";
import { WATCHDOG_GRACE_MS } from "./limits";
import { CONTROL_CANCEL, type FromWorker, type GuestRequest, type GuestResponse, type LoadedFunction, type ToWorker } from "./protocol";

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

interface Job {
  id: number;
  requestId: string;
  key: string;
  request: GuestRequest;
  maxExecutionMs: number;
  deadline: number;
  resolve: (result: InvocationResult) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  control: Int32Array;
  job: Job | null;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);
const WATCHDOG_TICK_MS = 20;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private queue: Job[] = [];
  private queueHead = 0;
  private readonly functions = new Map<string, LoadedFunction>();
  private nextId = 1;
  private restarts = 0;
  private closed = false;
  private readonly watchdog: ReturnType<typeof setInterval>;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) {
      const slot = this.spawn(i);
      this.slots.push(slot);
      this.idle.push(slot);
    }
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
    const maxExecutionMs = fn.limits.maxExecutionMs;
    return new Promise((resolve) => {
      const job: Job = { id: this.nextId++, requestId, key, request, maxExecutionMs, deadline: 0, resolve };
      const slot = this.idle.pop();
      if (slot) return this.dispatch(slot, job);
      if (this.queue.length - this.queueHead >= this.options.queueLimit) {
        return resolve({ outcome: "overload", response: null, detail: `queue full (${this.options.queueLimit})` });
      }
      this.queue.push(job);
    });
  }

  stats() {
    return {
      workers: this.slots.length,
      busy: this.slots.length - this.idle.length,
      queued: this.queue.length - this.queueHead,
      queueLimit: this.options.queueLimit,
      restarts: this.restarts,
    };
  }

  /** Stops taking work, lets running and queued invocations finish for up to `drainMs`, then stops the workers. */
  async close(drainMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + drainMs;
    while (Date.now() < until && (this.idle.length < this.slots.length || this.queue.length > this.queueHead)) {
      await Bun.sleep(5);
    }
    for (const job of this.queue.splice(this.queueHead)) job.resolve({ outcome: "shutting_down", response: null });
    clearInterval(this.watchdog);
    for (const slot of this.slots) {
      if (slot.job) slot.job.resolve({ outcome: "shutting_down", response: null });
      slot.job = null;
      slot.worker.terminate();
    }
  }

  private spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    const control = new Int32Array(new SharedArrayBuffer(4));
    const slot: Slot = { index, worker, control, job: null };
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.onMessage(slot, event.data);
    worker.onerror = (event: ErrorEvent) => this.replace(slot, "worker_crash", `worker error: ${event.message}`);
    worker.addEventListener("close", () => {
      if (this.slots[slot.index] === slot && !this.closed) this.replace(slot, "worker_crash", "worker exited");
    });
    this.post(slot, { type: "init", control: control.buffer as SharedArrayBuffer, logLevel: this.options.logLevel, workerIndex: index });
    for (const fn of this.functions.values()) this.post(slot, { type: "load", fn });
    return slot;
  }

  private post(slot: Slot, msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(msg, transfer);
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    job.deadline = Date.now() + job.maxExecutionMs;
    const body = job.request.body;
    const transfer = body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer as ArrayBuffer] : [];
    this.post(slot, { type: "invoke", id: job.id, requestId: job.requestId, key: job.key, deadline: job.deadline, request: job.request }, transfer);
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === "fatal") return this.replace(slot, "worker_crash", msg.detail);
    const job = slot.job;
    if (!job || job.id !== msg.id) return; // a late answer for a job the watchdog already settled
    slot.job = null;
    job.resolve({ outcome: msg.outcome, response: msg.response, detail: msg.detail });
    this.release(slot);
  }

  private release(slot: Slot): void {
    if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++];
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      return this.dispatch(slot, next);
    }
    this.idle.push(slot);
  }

  /** Backstop for a worker that stopped answering: the fuel checks should have ended the guest already. */
  private checkDeadlines(): void {
    const now = Date.now();
    for (const slot of this.slots) {
      const job = slot.job;
      if (job && now > job.deadline + WATCHDOG_GRACE_MS) {
        Atomics.store(slot.control, CONTROL_CANCEL, job.id);
        this.options.logger.log("error", "worker unresponsive past its deadline; replacing it", { worker: slot.index, request_id: job.requestId });
        this.replace(slot, "timeout", "watchdog: worker did not answer by the deadline");
      }
    }
  }

  private replace(old: Slot, outcome: Outcome, detail: string): void {
    if (this.closed || this.slots[old.index] !== old) return;
    const job = old.job;
    old.job = null;
    old.worker.onmessage = null;
    old.worker.terminate();
    this.restarts++;
    const fresh = this.spawn(old.index);
    this.slots[old.index] = fresh;
    const idleAt = this.idle.indexOf(old);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    if (job) job.resolve({ outcome, response: null, detail });
    this.release(fresh);
  }
}
