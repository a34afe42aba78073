// ArtifactWork on a worker thread of its own, so that a deploy does not stall the requests an
// edge node serves meanwhile, nor an upload the control plane's API and watch streams (the
// pipeline's tens of ms per 2 MiB leave the event loop: docs/performance.md, "Off the event
// loop"). The input is copied, not transferred,
// so that the caller keeps its bytes and a job whose worker died can still be done inline: the
// worker is a way to be fast, never a way to fail.
//
// Small artifacts stay inline: below OFFLOAD_MIN_BYTES the whole stall is ~3 ms at most, about
// what the hop itself costs, and a node of small functions then never starts the worker (an
// idle Bun worker holds ~6 MiB).
import type { Logger } from "../../observe/log";
import type { PipelineLimits, PrepareResult, Rejection } from "../../pipeline";
import { inlineWork, type ArtifactWork } from "./artifact-work";
import type { OffloadAnswer, OffloadJob } from "./offload-protocol";

const WORKER_URL = new URL("./offload-worker.ts", import.meta.url);
/** Preparing costs ~10-20 ms per MiB here, hashing ~0.5 ms. */
export const OFFLOAD_MIN_BYTES = 256 * 1024;

interface Pending {
  job: OffloadJob;
  settle(answer: OffloadAnswer): void;
}

export class OffloadThread implements ArtifactWork {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Jobs done by the worker, and done inline (small, or their worker was gone). */
  readonly counts = { offloaded: 0, inline: 0 };

  constructor(
    private readonly logger: Logger,
    private readonly minBytes = OFFLOAD_MIN_BYTES,
  ) {}

  sha256Hex(bytes: Uint8Array): Promise<string> {
    return this.run({ id: 0, kind: "sha256", bytes }).then((answer) =>
      answer.kind === "sha256" ? answer.hex : inlineWork.sha256Hex(bytes),
    );
  }

  prepare(bytes: Uint8Array, limits: PipelineLimits): Promise<PrepareResult> {
    return this.run({
      id: 0,
      kind: "prepare",
      bytes,
      limits: { memoryPages: limits.memoryPages, entrypoint: limits.entrypoint, runtime: limits.runtime },
    }).then((answer) => (answer.kind === "prepare" ? answer.result : inlineWork.prepare(bytes, limits)));
  }

  check(bytes: Uint8Array, limits: PipelineLimits): Promise<Rejection | null> {
    return this.run({
      id: 0,
      kind: "check",
      bytes,
      limits: { memoryPages: limits.memoryPages, entrypoint: limits.entrypoint, runtime: limits.runtime },
    }).then((answer) => (answer.kind === "check" ? answer.rejection : inlineWork.check(bytes, limits)));
  }

  /** Stops the worker; later jobs run inline. */
  close(): void {
    this.closed = true;
    this.worker?.terminate();
    this.worker = null;
    this.failAll();
  }

  private run(job: OffloadJob): Promise<OffloadAnswer> {
    const worker = this.closed || job.bytes.byteLength < this.minBytes ? null : (this.worker ??= this.spawn());
    if (!worker) return inline(job).then((answer) => (this.counts.inline++, answer));
    const id = this.nextId++;
    // Held while it has work (the caller awaits it), let go when idle.
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, { job, settle: resolve });
      worker.postMessage({ ...job, id });
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL);
    // An idle offload thread must not keep the process alive.
    worker.unref();
    worker.onmessage = (event: MessageEvent<OffloadAnswer>) => {
      const entry = this.pending.get(event.data.id);
      if (!entry) return;
      this.pending.delete(event.data.id);
      if (this.pending.size === 0) worker.unref();
      this.counts.offloaded++;
      entry.settle(event.data);
    };
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      worker.terminate();
      this.logger.log(
        "error",
        "offload worker failed; its jobs run on the main thread, a new worker takes the next ones",
        { reason: why, jobs: this.pending.size },
      );
      this.failAll();
    };
    worker.onerror = (event: ErrorEvent) => lost(event.message);
    worker.addEventListener("close", () => lost("exited"));
    return worker;
  }

  /** Jobs whose worker is gone are done here instead: their bytes were copied, not moved. */
  private failAll(): void {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const { job, settle } of jobs) {
      this.counts.inline++;
      void inline(job).then(settle);
    }
  }
}

async function inline(job: OffloadJob): Promise<OffloadAnswer> {
  if (job.kind === "sha256") return { id: job.id, kind: "sha256", hex: await inlineWork.sha256Hex(job.bytes) };
  if (job.kind === "check")
    return { id: job.id, kind: "check", rejection: await inlineWork.check(job.bytes, job.limits) };
  return { id: job.id, kind: "prepare", result: await inlineWork.prepare(job.bytes, job.limits) };
}
