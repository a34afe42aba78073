// Finds the stored bytes of one version of a function.
import type { VersionRecord } from "../../core/contract";
import { ApiError } from "../errors";
import type { ArtifactStore } from "../store/artifact-store";
import type { MetadataStore } from "../store/metadata-store";

export type ArtifactService = ReturnType<typeof createArtifactService>;

export function createArtifactService({ metadata, artifacts }: { metadata: MetadataStore; artifacts: ArtifactStore }) {
  return {
    async open(functionId: string, version: number): Promise<{ record: VersionRecord; bytes: Blob }> {
      const record = await metadata.getVersion(functionId, version);
      if (!record) {
        const fn = await metadata.getFunction(functionId);
        throw fn
          ? new ApiError(404, "version_not_found", `function "${functionId}" has no version ${version}`)
          : ApiError.notFound(`no function with id "${functionId}"`);
      }
      const bytes = await artifacts.get(record.sha256);
      if (!bytes)
        throw new ApiError(
          500,
          "artifact_missing",
          `the artifact of version ${version} (sha256 ${record.sha256}) is missing from the store`,
        );
      return { record, bytes };
    },
  };
}
