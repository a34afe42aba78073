// Writing what nodes report (connected, revision applied, problems) to the node store. Why such
// a write may fail quietly: the stream is a read. When the data dir can't be written (full,
// read-only) the node keeps its socket and only the node list goes stale, logged once per outage.
import type { Logger } from "../../core/observe/log";
import { storageFailure } from "../store/storage-errors";

export class NodeReports {
  private failing = false;

  constructor(private readonly logger: Logger) {}

  async record(write: () => Promise<void>): Promise<void> {
    try {
      await write();
      if (this.failing) this.logger.log("info", "recording node reports works again");
      this.failing = false;
    } catch (error) {
      if (!storageFailure(error)) throw error;
      if (!this.failing) {
        this.logger.log(
          "warn",
          "cannot record node reports: the data dir cannot be written; the node list is stale until it can",
          { error: String(error) },
        );
      }
      this.failing = true;
    }
  }
}
