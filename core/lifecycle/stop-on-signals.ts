// How both programs (runner, control plane) end on SIGTERM and SIGINT: one log line, a graceful
// stop (draining what runs), then exit 0. A second signal while stopping changes nothing.
import type { Logger } from "../observe/log";

export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      logger.log("info", "shutting down", { signal });
      await stop();
      process.exit(0);
    });
  }
}
