// Worker entry: holds the loaded functions and runs one invocation at a time.
// The first message hands over the control SharedArrayBuffer through which the main thread
// can cancel a run that is still inside WASM.
import { createLogger } from "../observe/log";
import { Executor } from "./executor";
import type { FromWorker, LoadedFunction, ToWorker } from "./protocol";

declare const self: Worker;

let executor: Executor | null = null;
const functions = new Map<string, LoadedFunction>();

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "init":
      executor = new Executor(createLogger(msg.logLevel, { worker: msg.workerIndex }), new Int32Array(msg.control));
      return;
    case "load":
      functions.set(msg.fn.key, msg.fn);
      return;
    case "unload":
      functions.delete(msg.key);
      executor?.forget(functions.values());
      return;
    case "invoke": {
      const fn = functions.get(msg.key);
      const result: FromWorker & { type: "result" } = fn && executor
        ? executor.run(msg.id, msg.requestId, fn, msg.deadline, msg.request)
        : { type: "result", id: msg.id, outcome: "not_found", response: null, detail: `function ${msg.key} is not loaded` };
      const body = result.response?.body;
      // Transfer the body instead of copying it when it owns its whole buffer.
      const transfer = body && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer as ArrayBuffer] : [];
      self.postMessage(result, transfer);
      return;
    }
  }
};
