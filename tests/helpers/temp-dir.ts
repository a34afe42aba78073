// Temporary directories for tests and benchmarks: each made under the system temp dir and
// removed after the test run (or when a benchmark exits), so a run leaves nothing in /tmp.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

/** Removes every dir tempDir made. bun test fires no "exit" event: tests/helpers/preload.ts calls this after the run. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A mount a killed scenario left behind: the reliability runner reports its scratch dir.
    }
  }
}
process.on("exit", removeTempDirs);

export function tempDir(prefix = "edge-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
