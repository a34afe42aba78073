// Serves the functions' queues (function-queues.ts): one invocation per function per turn,
// round the functions with queued work, starting after the one served last. A function at its
// cap, or that finds no worker of its kind (slow or not), is passed over and keeps its place,
// so it is first in line when a worker frees; once neither kind finds a worker the pass ends.
// So no function waits behind another's backlog.
import type { FunctionQueues } from "./function-queues";
import type { Placement } from "./placement";
import { isSlow, type Job, type PoolFunction } from "./pool-function";
import type { Slot } from "./worker-slot";

export function serveRoundRobin(
  queues: FunctionQueues<PoolFunction, Job>,
  placement: Placement,
  send: (slot: Slot, job: Job) => void,
): void {
  const ring = queues.ring;
  let fastOpen = true;
  let slowOpen = true;
  let at = queues.cursor;
  let passed = 0;
  while (ring.length > 0 && passed < ring.length && (fastOpen || slowOpen)) {
    if (at >= ring.length) at = 0;
    const entry = ring[at]!;
    if (entry.queue.size === 0) {
      queues.leave(at);
      continue;
    }
    const slow = isSlow(entry);
    const underCap = entry.inWorkers < placement.capOf(entry);
    const slot = underCap && (slow ? slowOpen : fastOpen) ? placement.pick(entry) : null;
    if (!slot) {
      if (underCap) {
        if (slow) slowOpen = false;
        else fastOpen = false;
      }
      at++;
      passed++;
      continue;
    }
    passed = 0;
    send(slot, queues.take(entry));
    queues.cursor = ++at;
  }
  // Room in the queue of all functions: let in those waiting for it.
  queues.admitAll();
}
