// Where `control migrate` writes artifacts: the bucket of --artifacts, or nowhere (null: the
// files stay in the data dir they are in).
import type { ArtifactStore } from "../store/artifact-store";

export async function openArtifactTarget(
  location: string | undefined,
  _dataDir: string,
  _environment: Record<string, string | undefined>,
): Promise<ArtifactStore | null> {
  if (location === undefined) return null;
  throw new Error("--artifacts: S3 is not wired yet");
}
