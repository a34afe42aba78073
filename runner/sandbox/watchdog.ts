// Backstop for a worker that stopped answering: the fuel checks should have ended its guest at
// the deadline already. A worker is presumed stuck once its job is past its deadline by the
// grace in CPU time (limits.ts): a thread that has not run since its deadline (a background
// spare on a busy node) is waiting for a CPU, not stuck, and ends at its next fuel check.
import type { Logger } from "../../core/observe/log";
import { presumedStuck, WATCHDOG_GRACE_MS } from "./limits";
import { threadCpuMs } from "./os-thread";
import { CONTROL_CANCEL, CONTROL_RUNNING, CONTROL_STARTED_F64, CONTROL_TID } from "./protocol";
import type { Slot } from "./worker-slot";

/** Calls `replace` for each worker stuck past its job's deadline. */
export function checkDeadlines(slots: readonly Slot[], logger: Logger, replace: (slot: Slot) => void): void {
  const now = Date.now();
  for (const slot of slots) {
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
    const cpu = slot.cpuAtDeadline >= 0 ? threadCpuMs(tid) : null;
    if (!presumedStuck(late, cpu === null ? null : cpu - slot.cpuAtDeadline)) continue;
    Atomics.store(slot.control, CONTROL_CANCEL, job.id);
    logger.log("error", "worker unresponsive past its deadline; replacing it", {
      worker: slot.index,
      request_id: job.requestId,
    });
    replace(slot);
  }
}
