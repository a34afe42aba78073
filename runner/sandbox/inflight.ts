// The invocations handed to one worker, in the order it runs them (a handful: PIPELINE_DEPTH).
//
// Not a Map: JavaScriptCore's Map keeps the values of deleted entries reachable from its
// storage until it rehashes, and an eden collection marks through them. A Map that churns a
// job per request kept ~1,000 finished jobs per worker (with their requests, results and
// promises) alive through every eden collection, which marked and promoted them (pauses many
// times the baseline's: docs/performance.md, "The young generation").
// An array searched from the front (the oldest job is the one that finishes next) drops a
// job's reference as soon as it is removed.
export class InflightJobs<T extends { id: number }> {
  private jobs: T[] = [];

  get size(): number {
    return this.jobs.length;
  }

  get(id: number): T | undefined {
    const at = this.indexOf(id);
    return at < 0 ? undefined : this.jobs[at];
  }

  add(job: T): void {
    this.jobs.push(job);
  }

  /** Removes and returns the job with `id`, if held. */
  take(id: number): T | undefined {
    const at = this.indexOf(id);
    if (at < 0) return undefined;
    // Nearly always the oldest: shift() takes it without the array splice() would allocate.
    return at === 0 ? this.jobs.shift() : this.jobs.splice(at, 1)[0];
  }

  /** Every job, oldest first, as a copy (to take some out while going through them). */
  snapshot(): T[] {
    return this.jobs.slice();
  }

  /** Removes and returns every job, oldest first. */
  takeAll(): T[] {
    const all = this.jobs;
    this.jobs = [];
    return all;
  }

  private indexOf(id: number): number {
    const jobs = this.jobs;
    for (let i = 0; i < jobs.length; i++) if (jobs[i]!.id === id) return i;
    return -1;
  }
}
