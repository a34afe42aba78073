// Worker entry: hashes and rewrites artifacts for the main thread, one job at a time. No guest
// code runs here. Prepared bytes go back transferred, not copied.
import { prepareModule } from "../../pipeline";
import { sha256Hex } from "../sha256";
import { moduleRejection, PREPARE_OPTIONS } from "./artifact-work";
import type { OffloadAnswer, OffloadJob } from "./offload-protocol";

declare const self: Worker;

self.onmessage = (event: MessageEvent<OffloadJob>) => {
  const job = event.data;
  if (job.kind === "sha256") {
    self.postMessage({ id: job.id, kind: "sha256", hex: sha256Hex(job.bytes) } satisfies OffloadAnswer);
    return;
  }
  if (job.kind === "check") {
    self.postMessage({
      id: job.id,
      kind: "check",
      rejection: moduleRejection(job.bytes, job.limits),
    } satisfies OffloadAnswer);
    return;
  }
  // prepareModule returns every outcome as a value, internal errors included.
  const result = prepareModule(job.bytes, job.limits, PREPARE_OPTIONS);
  const transfer =
    result.ok && result.bytes.byteOffset === 0 && result.bytes.byteLength === result.bytes.buffer.byteLength
      ? [result.bytes.buffer as ArrayBuffer]
      : [];
  self.postMessage({ id: job.id, kind: "prepare", result } satisfies OffloadAnswer, transfer);
};
