// Temporary directories for tests and benchmarks: each made under the system temp dir and
// removed when the process exits, so a run leaves nothing in /tmp (a test may remove one sooner).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A mount a killed scenario left behind: the suite's runner reports its scratch dir.
    }
  }
});

export function tempDir(prefix = "edge-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
