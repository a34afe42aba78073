// One worker of the pool and what the main thread keeps of it: its shared control block, its
// job and result rings, its line (line.ts), the jobs handed to it, and what they weigh.
import { InflightJobs } from "./inflight";
import { createLine, LineWriter } from "./line";
import type { Job } from "./pool-function";
import { CONTROL_BYTES, CONTROL_MAIL, RING_BYTES, type FromWorker, type PostedResult, type ToWorker } from "./protocol";
import { createRing, RingReader, RingWriter } from "./ring";
import { readResult } from "./wire";

const WORKER_URL = new URL("./worker.ts", import.meta.url);

export interface Slot {
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

export interface SlotInit {
  logLevel: Extract<ToWorker, { type: "init" }>["logLevel"];
  /** Functions that ran into their time limit run in the background on this worker (worker.ts). */
  background: boolean;
  instanceReuse: boolean;
  collectAfterBytes: number;
}

export interface SlotEvents {
  message(slot: Slot, message: FromWorker): void;
  /** The worker died: an error it did not catch, or its thread ended. */
  died(slot: Slot, detail: string): void;
}

/** Starts worker `index` and sends it its shared memory. */
export function openSlot(index: number, init: SlotInit, events: SlotEvents): Slot {
  const worker = new Worker(WORKER_URL);
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const jobs = createRing(RING_BYTES);
  const results = createRing(RING_BYTES);
  const line = createLine();
  const slot: Slot = {
    index,
    worker,
    control: new Int32Array(control),
    started: new Float64Array(control),
    jobs: new RingWriter(jobs),
    results: new RingReader(results),
    line: new LineWriter(line),
    inflight: new InflightJobs(),
    slowHeld: 0,
    backlog: 0,
    overdueJob: 0,
    cpuAtDeadline: 0,
  };
  worker.onmessage = (event: MessageEvent<FromWorker>) => events.message(slot, event.data);
  worker.onerror = (event: ErrorEvent) => events.died(slot, `worker error: ${event.message}`);
  worker.addEventListener("close", () => events.died(slot, "worker exited"));
  post(slot, { type: "init", control, line, jobs, results, workerIndex: index, ...init });
  return slot;
}

export function post(slot: Slot, msg: ToWorker): void {
  slot.worker.postMessage(msg);
  // The worker may be blocked on its jobs ring: tell it there is mail and wake it.
  Atomics.add(slot.control, CONTROL_MAIL, 1);
  slot.jobs.interrupt();
}

/** Accounts for a job handed to `slot`. */
export function enterSlot(slot: Slot, job: Job): void {
  if (job.slow) slot.slowHeld++;
  slot.backlog += job.cost;
  job.entry.inWorkers++;
  slot.inflight.add(job);
}

/** Accounts for a job no longer in `slot`'s line (answered, taken back, or its worker replaced). */
export function leaveSlot(slot: Slot, job: Job): void {
  slot.backlog = slot.inflight.size === 0 ? 0 : slot.backlog - job.cost;
  if (job.slow) slot.slowHeld--;
  job.entry.inWorkers--;
  if (job.long) {
    job.entry.longRuns--;
    job.long = false;
  }
}

/** Reads every result the worker has published so far; true if there was any. */
export function drainResults(slot: Slot, settle: (slot: Slot, result: PostedResult) => void): boolean {
  const ring = slot.results;
  let at: number;
  let settled = false;
  while ((at = ring.next()) >= 0) {
    const r = readResult(ring, at);
    ring.release();
    const response = r.outcome === "ok" ? { status: r.status, headers: r.headers, body: r.body } : null;
    settle(slot, { id: r.id, outcome: r.outcome, response, detail: r.detail, runMs: r.runMs, cpuMs: r.cpuMs });
    settled = true;
  }
  return settled;
}

/**
 * Wakes sleeping workers once per event-loop turn rather than once per job: waking a thread
 * costs ~10 µs here, and the jobs of one turn can share it.
 */
export class Waker {
  private readonly due = new Set<Slot>();

  soon(slot: Slot): void {
    if (this.due.size === 0)
      setImmediate(() => {
        for (const s of this.due) s.jobs.wake();
        this.due.clear();
      });
    this.due.add(slot);
  }
}
