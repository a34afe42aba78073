// The CPU time behind a long run, read rarely. A run's wall time counts the time its thread
// waited for a CPU: on a busy node a 4 µs run preempted for 6 ms looks slow, and would send its
// function to the spares, behind loops (docs/performance.md). Reading the thread's CPU
// time costs ~0.2 µs here (process.threadCpuUsage), so it is read before every READ_EVERY-th
// run and after every run longer than HEAVY_MS: the difference bounds the long run's CPU from
// above (it may include up to READ_EVERY - 1 short runs before it).
import { HEAVY_MS } from "./run-cost";

const READ_EVERY = 4;

export class CpuMeter {
  /** The thread's CPU time (ms) at the last reading; -1 before any. */
  private last = -1;
  private runs = 0;

  /** Before a run. */
  before(): void {
    if (this.last < 0 || ++this.runs >= READ_EVERY) this.read();
  }

  /** After a run that took `wallMs`: at most the CPU ms it used, or NaN when it was short. */
  after(wallMs: number): number {
    if (!(wallMs > HEAVY_MS)) return NaN;
    const before = this.last;
    this.read();
    return this.last - before;
  }

  private read(): void {
    const used = process.threadCpuUsage();
    this.last = (used.user + used.system) / 1000;
    this.runs = 0;
  }
}
