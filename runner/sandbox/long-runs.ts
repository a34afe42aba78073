// What the pool does about a run seen running longer than SLOW_MS:
// - its function counts as slow while it runs (and for good if its cost was not known yet);
// - what was lined up behind it in its worker is taken back (line.ts) and runs elsewhere;
// - on a regular worker, beside other functions, the run itself is moved: stopped at its next
//   fuel check and started again on a spare with what is left of its time limit. Guest code has
//   no effect outside its invocation but its answer and its log lines, so running it again from
//   the start is safe as long as it has logged nothing: the worker moves only such a run.
// Without these, a function that loops on 1 request in 200 left hello-world beside it 9-42% of
// its throughput (tests/reliability/saturation, sometimes-loop).
import type { FunctionQueues } from "./function-queues";
import { putBack, type Job, type PoolFunction } from "./pool-function";
import { CONTROL_MOVE, CONTROL_RUNNING, CONTROL_STARTED_F64 } from "./protocol";
import { SLOW_MS } from "./run-cost";
import { leaveSlot, type Slot } from "./worker-slot";

export interface LongRunsDeps {
  slots: Slot[];
  size: number;
  maxSlots: number;
  queues: FunctionQueues<PoolFunction, Job>;
  functionCount(): number;
  startSpares(): void;
}

export class LongRuns {
  /** Set when a run was seen running long: what waits behind it is taken back at the next chance. */
  takeBackDue = false;

  constructor(private readonly deps: LongRunsDeps) {}

  /** Looks at what each worker runs: long runs are seen even while nothing is being placed. */
  watch(): void {
    const now = Date.now();
    for (const slot of this.deps.slots) {
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const job = slot.inflight.get(running);
      if (job) this.seen(slot, job, now);
    }
  }

  /** `job` is running on `slot` and has been for longer than SLOW_MS. */
  seen(slot: Slot, job: Job, now: number): void {
    if (job.long) return;
    job.long = true;
    job.entry.longRuns++;
    if (job.entry.cost.sighted()) this.deps.startSpares();
    this.takeBackDue = true;
    const { size, maxSlots } = this.deps;
    if (slot.index >= size || maxSlots === size || this.deps.functionCount() < 2 || job.budgetMs > 0) return;
    job.moving = true;
    job.ranMs = now - slot.started[CONTROL_STARTED_F64];
    Atomics.store(slot.control, CONTROL_MOVE, job.id);
  }

  /** Takes back, from every worker whose current job runs long, the jobs lined up behind it. */
  takeBack(): void {
    this.takeBackDue = false;
    const now = Date.now();
    for (const slot of this.deps.slots) {
      if (slot.inflight.size < 2) continue;
      const running = Atomics.load(slot.control, CONTROL_RUNNING);
      if (running === 0 || now - slot.started[CONTROL_STARTED_F64] <= SLOW_MS) continue;
      const back: Job[] = [];
      for (const job of slot.inflight.snapshot()) {
        if (job.id === running || !slot.line.revoke(job.seq)) continue;
        slot.inflight.take(job.id);
        leaveSlot(slot, job);
        back.push(job);
      }
      putBack(this.deps.queues, back);
    }
  }

  /** A job stopped for moving: it starts again (on a spare), with what is left of its time limit. */
  moved(job: Job, runMs: number, cpuMs: number): void {
    const entry = job.entry;
    const ran = Math.max(job.ranMs, Number.isNaN(runMs) ? 0 : runMs);
    job.moving = false;
    job.budgetMs = Math.max(1, Math.ceil(entry.fn.limits.maxExecutionMs - ran));
    // Judged by the CPU it used: one that spent most of its time so far on a CPU is slow (and
    // starts again on a spare); a fast run that was only waiting for a CPU when it was seen (a
    // 4 µs run preempted for 6 ms) is moved all the same, but does not make its function slow.
    const cost = Number.isNaN(cpuMs) ? ran : Math.min(ran, cpuMs);
    if (entry.cost.observe(cost * 2 >= ran ? Math.max(cost, SLOW_MS + 1) : cost)) this.deps.startSpares();
    this.deps.queues.putBack(entry, [job]);
    // First in its function's line, but like any request it must start within the overload wait.
    const { waitMs } = this.deps.queues.limits;
    if (waitMs > 0) job.startBy = Date.now() + waitMs;
  }
}
