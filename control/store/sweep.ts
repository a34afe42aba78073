// Start-up sweep: deletes artifacts no version refers to. They come from a crash between
// publishing a file and recording its version, from rejected-after-publish races, and from
// deleted functions. Runs before the server listens, so no upload can be mid-flight.
import type { ArtifactStore } from "./artifact-store";
import type { MetadataStore } from "./metadata-store";

export async function sweepUnreferenced(metadata: MetadataStore, artifacts: ArtifactStore): Promise<string[]> {
  const referenced = await metadata.referencedArtifacts();
  const orphans = (await artifacts.list()).filter((sha256) => !referenced.has(sha256));
  for (const sha256 of orphans) await artifacts.delete(sha256);
  return orphans;
}
