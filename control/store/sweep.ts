// The sweep: deletes artifacts no version refers to. They come from a crash between publishing
// an artifact and recording its version, from rejected-after-publish races, and from deleted
// functions. At start-up (before the server listens) no upload of this process is mid-flight.
// Several control planes on one bucket: pass `olderThan` (e.g. an hour ago), and artifacts
// published since, by any of them, are kept: one may be between its publish and its record.
// The listing comes before the read of what is referenced, and each delete checks the age
// again, so an artifact published again after the listing is kept too.
// With `locks`, each delete holds the artifact's lock and checks again that no version refers to
// it, like retention: an upload of the same bytes holds the lock from its publish to its commit.
import type { ArtifactLock } from "./artifact-locks";
import type { ArtifactStore, ListOptions } from "./artifact-store";
import type { MetadataStore } from "./metadata-store";

export async function sweepUnreferenced(
  metadata: MetadataStore,
  artifacts: ArtifactStore,
  options: ListOptions = {},
  locks?: ArtifactLock,
): Promise<string[]> {
  const listed = await artifacts.list(options);
  const referenced = await metadata.referencedArtifacts();
  const orphans = listed.filter((sha256) => !referenced.has(sha256));
  const swept: string[] = [];
  for (const sha256 of orphans) {
    const remove = async () => {
      if (locks && (await metadata.artifactReferenced(sha256))) return;
      await artifacts.delete(sha256, options);
      swept.push(sha256);
    };
    await (locks ? locks.run(sha256, remove) : remove());
  }
  return swept;
}
