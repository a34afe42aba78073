// GET /readyz: whether the control plane can serve now, for a load balancer or an orchestrator
// (/healthz says the process is alive). Ready while its store answers: 503 storage_lost once the
// data dir was removed or replaced under it (store/data-dir-guard.ts), 503 storage_unavailable
// while a read of the metadata store fails (a failing disk, a network mount gone). A full or
// read-only data dir is ready: reads, downloads and the watch stream still work there, and the
// edge nodes need them. Each stretch of not being ready is logged once, with the reason.
import { ApiError, errorResponse, storageError } from "../errors";
import type { Logger } from "../../core/observe/log";
import type { DataDirGuard } from "../store/data-dir-guard";
import type { MetadataStore } from "../store/metadata-store";
import { DataDirLost } from "../store/storage-errors";

export interface ReadinessDeps {
  metadata: Pick<MetadataStore, "revision">;
  storage?: Pick<DataDirGuard, "problem">;
  logger: Logger;
}

export function readiness(deps: ReadinessDeps): () => Promise<Response | { status: "ready"; revision: number }> {
  let failing = false;
  const notReady = (reason: string, error: ApiError) => {
    if (!failing) deps.logger.log("error", "not ready: the store cannot be used", { reason });
    failing = true;
    return errorResponse(error);
  };
  return async () => {
    const lost = deps.storage?.problem();
    if (lost) return notReady(lost, storageError(new DataDirLost(lost))!);
    let revision: number;
    try {
      revision = await deps.metadata.revision();
    } catch (error) {
      return notReady(
        String(error),
        new ApiError(503, "storage_unavailable", "the control plane cannot read its metadata store; see its log"),
      );
    }
    if (failing) deps.logger.log("info", "ready again: the store answers");
    failing = false;
    return { status: "ready", revision };
  };
}
