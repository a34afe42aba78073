// Retry delays of an edge node (the watch's reconnects, edge-node.ts's retried passes):
// exponential, with "equal jitter" (half the step fixed, half random) so a fleet that lost its
// control plane at the same moment does not come back in lockstep, and no delay collapses to
// zero the way full jitter allows.
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 250,
    private readonly maxMs = 5_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const step = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return equalJitter(step, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Between half of `stepMs` and all of it. */
export function equalJitter(stepMs: number, random: () => number = Math.random): number {
  return stepMs / 2 + (random() * stepMs) / 2;
}
