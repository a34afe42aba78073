// The node-wide budget for request bodies in flight. A body is read whole into memory before its
// function runs (the guest reads it synchronously), whether or not the function reads it, so
// without a bound 250 concurrent 10 MiB POSTs took a node to 2.7-3.3 GB. Bytes are taken as
// they arrive, or at once for a declared Content-Length (so a body that cannot fit is refused
// before a byte of it is read), and given back when the invocation ends.

export class BodyBudget {
  private held = 0;

  constructor(readonly limit: number) {}

  /** Bytes taken now, by bodies being read or held by running invocations. */
  get inFlight(): number {
    return this.held;
  }

  /** Takes `bytes`, or nothing and false when they do not fit. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}
