// Worker entry: holds the loaded functions and runs invocations one at a time, in the order
// they arrive. The first message hands over the control block (see protocol.ts).
import { createLogger } from "../observe/log";
import { Executor } from "./executor";
import type { InvokeResult, LoadedFunction, ToWorker } from "./protocol";

declare const self: Worker;

let executor: Executor | null = null;
const functions = new Map<string, LoadedFunction>();

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "init":
      executor = new Executor(createLogger(msg.logLevel, { worker: msg.workerIndex }), msg.control);
      return;
    case "load":
      functions.set(msg.fn.key, msg.fn);
      return;
    case "unload":
      functions.delete(msg.key);
      executor?.forget(functions.values());
      return;
    case "invoke": {
      const results: InvokeResult[] = [];
      const transfer: ArrayBuffer[] = [];
      for (const job of msg.jobs) {
        const fn = functions.get(job.key);
        const result: InvokeResult = fn && executor
          ? executor.run(job, fn)
          : { id: job.id, outcome: "not_found", response: null, detail: `function ${job.key} is not loaded` };
        results.push(result);
        const body = result.response?.body;
        // Transfer the body instead of copying it when it owns its whole buffer.
        if (body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength) transfer.push(body.buffer as ArrayBuffer);
      }
      self.postMessage({ type: "results", results }, transfer);
      return;
    }
  }
};
