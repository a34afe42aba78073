// Version retention (--keep-versions N): a function keeps its newest N versions and its active
// one; older versions' rows are deleted in one transaction, then each of their artifacts that no
// version refers to any more (another function may share the bytes) is deleted under its lock.
// Runs after every upload and activation of the function, and for every function at start.
// Unset: every version is kept.
import type { Logger } from "../../core/observe/log";
import type { ArtifactStore } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";
import type { ArtifactLock } from "../store/artifact-locks";

export interface RetentionDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  locks: ArtifactLock;
  logger: Logger;
  /** Versions kept per function besides the active one; undefined keeps all. */
  keepVersions?: number;
}

export type Retention = ReturnType<typeof createRetention>;

export function createRetention({ metadata, artifacts, locks, logger, keepVersions }: RetentionDeps) {
  /** Deletes what the versions removed left unreferenced; returns how many versions went. */
  async function pruneOne(functionId: string, keep: number): Promise<number> {
    const result = await metadata.pruneVersions(functionId, keep);
    if (!result.ok) return 0;
    for (const sha256 of new Set(result.value.map((v) => v.sha256)))
      await locks.run(sha256, async () => {
        if (!(await metadata.artifactReferenced(sha256))) await artifacts.delete(sha256);
      });
    return result.value.length;
  }

  return {
    /**
     * After a change that committed: a failure here must not turn its success into an error, so
     * it is logged, and the next upload, activation or start tries again (an artifact left behind
     * is removed by the start-up sweep).
     */
    async prune(functionId: string): Promise<void> {
      if (keepVersions === undefined) return;
      try {
        await pruneOne(functionId, keepVersions);
      } catch (error) {
        logger.log("warn", "version retention failed; tried again on the next change", {
          function_id: functionId,
          error: String(error),
        });
      }
    },

    /** Every function, a page at a time (at start: the setting may have been lowered). */
    async pruneAll(): Promise<number> {
      if (keepVersions === undefined) return 0;
      let removed = 0;
      let after: string | undefined;
      do {
        const page = await metadata.listFunctions({ limit: 100, after });
        for (const fn of page.items) removed += await pruneOne(fn.id, keepVersions);
        after = page.next ?? undefined;
      } while (after !== undefined);
      return removed;
    },
  };
}
