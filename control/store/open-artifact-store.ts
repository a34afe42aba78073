// Opens the artifact store the --artifacts value names (artifacts-location.ts): files in the data
// dir, or S3 with the settings from `env` (the caller's environment: only config reads process.env),
// staging uploads in <data-dir>/tmp either way.
import { join } from "node:path";
import type { ArtifactStore } from "./artifact-store";
import { s3OptionsFromEnv, type ArtifactsLocation } from "./artifacts-location";
import { FileArtifactStore } from "./file-artifact-store";
import { S3ArtifactStore } from "./s3-artifact-store";

/**
 * How far back a sweep on a shared bucket leaves artifacts alone (sweep.ts `olderThan`): far more
 * than any upload's publish-to-record time and any clock skew between a control plane and S3.
 */
export const SHARED_SWEEP_MARGIN_MS = 60 * 60 * 1000;

export async function openArtifactStore(
  location: ArtifactsLocation,
  dataDir: string,
  env: Record<string, string | undefined>,
): Promise<ArtifactStore> {
  if (location.kind === "files") return FileArtifactStore.open(dataDir);
  return S3ArtifactStore.open(location, s3OptionsFromEnv(env), join(dataDir, "tmp"));
}

/** What a start-up sweep passes: on a bucket other control planes may share, recent artifacts are kept. */
export function sweepOptions(location: ArtifactsLocation, now = new Date()): { olderThan?: Date } {
  return location.kind === "s3" ? { olderThan: new Date(now.getTime() - SHARED_SWEEP_MARGIN_MS) } : {};
}
