// Finds the stored bytes of one version of a function, or a presigned URL to them.
import type { VersionRecord } from "../../core/contract";
import { ApiError } from "../errors";
import type { ArtifactStore } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";

/**
 * How long a presigned download URL works. A node follows the 307 at once, so 5 minutes covers
 * its retries and some clock skew between the control plane (which signs) and the store (which
 * checks); a URL that leaks (a proxy's log) is useless soon after; and every download asks the
 * control plane again, so nothing needs a longer one. Temporary credentials (a session token)
 * may end a URL sooner: it lives no longer than the credentials that signed it.
 */
export const PRESIGN_SECONDS = 300;

export type ArtifactService = ReturnType<typeof createArtifactService>;

export function createArtifactService({ metadata, artifacts }: { metadata: MetadataStore; artifacts: ArtifactStore }) {
  return {
    async record(functionId: string, version: number): Promise<VersionRecord> {
      const record = await metadata.getVersion(functionId, version);
      if (record) return record;
      const fn = await metadata.getFunction(functionId);
      throw fn
        ? new ApiError(404, "version_not_found", `function "${functionId}" has no version ${version}`)
        : ApiError.notFound(`no function with id "${functionId}"`);
    },

    async bytes(record: VersionRecord): Promise<Blob> {
      const bytes = await artifacts.get(record.sha256);
      if (!bytes)
        throw new ApiError(
          500,
          "artifact_missing",
          `the artifact of version ${record.version} (sha256 ${record.sha256}) is missing from the store`,
        );
      return bytes;
    },

    /** Null when the store cannot presign (files). Made without asking the store: a download redirected costs it nothing. */
    presignedUrl(record: VersionRecord): string | null {
      return artifacts.presign?.(record.sha256, PRESIGN_SECONDS) ?? null;
    },
  };
}
