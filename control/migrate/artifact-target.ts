// Where `control migrate` writes artifacts: the bucket of --artifacts, or nowhere (null: the
// files stay in the data dir they are in).
import type { ArtifactStore } from "../store/artifact-store";
import { parseArtifactsLocation, s3Where } from "../store/artifacts-location";
import { openArtifactStore } from "../store/open-artifact-store";

export async function openArtifactTarget(
  value: string | undefined,
  dataDir: string,
  environment: Record<string, string | undefined>,
): Promise<{ store: ArtifactStore; where: string } | null> {
  const parsed = parseArtifactsLocation(value);
  if (!parsed.ok) throw new Error(parsed.message);
  if (parsed.location.kind === "files") return null;
  return { store: await openArtifactStore(parsed.location, dataDir, environment), where: s3Where(parsed.location) };
}
