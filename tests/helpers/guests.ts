// Guest fixtures by name: tests/fixtures/guests/<name>.wat compiled to bytes, or written to a
// temporary .wasm file for tests that start the runner as a process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wat } from "../fixtures/wat";

const GUESTS_DIR = join(import.meta.dir, "..", "fixtures", "guests");

export function guest(name: string): Uint8Array {
  return wat(readFileSync(join(GUESTS_DIR, `${name}.wat`), "utf8"));
}

let tempDir: string | null = null;

/** Writes the fixture (or the given bytes) to <tmp>/<name>.wasm; the runner names the function after the file. */
export function guestFile(name: string, bytes: Uint8Array = guest(name)): string {
  if (!tempDir) {
    const dir = mkdtempSync(join(tmpdir(), "edge-guests-"));
    tempDir = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(tempDir, `${name}.wasm`);
  writeFileSync(path, bytes);
  return path;
}
