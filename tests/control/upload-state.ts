// What the upload tests look at after a request: the artifact and temp files in a control
// plane's data dir, and the versions the API lists for a function.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestControl } from "../helpers/test-control";

/** The stored artifact files (not the two-character fan-out directories). */
export const artifactFiles = (dataDir: string) =>
  readdirSync(join(dataDir, "artifacts"), { recursive: true }).filter((p) => String(p).length > 3);
/** Uploads in progress: empty once every upload has ended, however it ended. */
export const tmpFiles = (dataDir: string) => readdirSync(join(dataDir, "tmp"));

export async function versionsOf(control: TestControl, id: string) {
  return (
    (await (await control.api(`/api/v1/functions/${id}/versions`)).json()) as {
      versions: { version: number; active: boolean; sha256: string }[];
    }
  ).versions;
}
