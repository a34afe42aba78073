// A worker's line: the jobs handed to it, which it runs in order. A job lined up behind one that
// turns out to run long would wait for that whole run (a function that loops now and then held
// hello-world requests for its 500 ms limit: p99 157-278x, tests/reliability/saturation,
// sometimes-loop), so the pool takes such jobs back and runs them elsewhere. Each job has a
// place in a small shared table, by its sequence number in this worker's line; the worker
// claims a job before it runs it and the pool revokes one it takes back, both by one
// compare-and-swap, so a job is either run here or taken back, never both.
const LINE_PLACES = 64; // more than a line ever holds (PIPELINE_DEPTH in pool.ts)
const PENDING = 0;
const STARTED = 1;
const REVOKED = 2;

export function createLine(): SharedArrayBuffer {
  return new SharedArrayBuffer(LINE_PLACES * 4);
}

/** The pool's side. */
export class LineWriter {
  private readonly places: Int32Array;
  private next = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.places = new Int32Array(buffer);
  }

  /** A place for the next job handed to the worker: its sequence number. */
  enter(): number {
    const seq = this.next;
    this.next = (this.next + 1) >>> 0;
    Atomics.store(this.places, seq % LINE_PLACES, PENDING);
    return seq;
  }

  /** Takes back job `seq`; false when the worker has already started it. */
  revoke(seq: number): boolean {
    return Atomics.compareExchange(this.places, seq % LINE_PLACES, PENDING, REVOKED) === PENDING;
  }
}

/** The worker's side: true when job `seq` is its to run, false when the pool took it back. */
export function claim(places: Int32Array, seq: number): boolean {
  return Atomics.compareExchange(places, seq % LINE_PLACES, PENDING, STARTED) === PENDING;
}
