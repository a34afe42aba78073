// Artifacts as files named by their SHA-256 under <data>/artifacts/<first two hex>/<hex>.
// An upload is written to <data>/tmp (staged-file.ts), hashed on the way, fsynced, then
// hard-linked into place: a reader sees a whole file or none, and two uploads of the same bytes
// share one file. Anything left in tmp (a crash mid-upload) is removed when the store opens.
import { link, mkdir, open, readdir, stat, unlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { SHA256_HEX, type ArtifactStore, type ListOptions, type StagedArtifact } from "./artifact-store";
import { ignoreMissing, openStaging, stageFile } from "./staged-file";

export class FileArtifactStore implements ArtifactStore {
  private count = 0;
  private bytes = 0;

  private constructor(
    private readonly root: string,
    private readonly tmp: string,
  ) {}

  static async open(dataDir: string): Promise<FileArtifactStore> {
    const store = new FileArtifactStore(join(dataDir, "artifacts"), join(dataDir, "tmp"));
    await openStaging(store.tmp);
    await mkdir(store.root, { recursive: true, mode: 0o700 });
    for (const sha256 of await store.list()) {
      store.count += 1;
      store.bytes += (await stat(store.pathOf(sha256))).size;
    }
    return store;
  }

  async stage(): Promise<StagedArtifact> {
    return stageFile(this.tmp, (path, sha256, size) => this.publish(path, sha256, size));
  }

  async get(sha256: string): Promise<Blob | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    const file = Bun.file(this.pathOf(sha256));
    return (await file.exists()) ? file : null;
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    const hashes: string[] = [];
    for (const dir of await readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await readdir(join(this.root, dir)))
        if (SHA256_HEX.test(name) && name.startsWith(dir)) hashes.push(name);
    }
    if (options.olderThan === undefined) return hashes.sort();
    const old: string[] = [];
    for (const sha256 of hashes) if (await this.isOlder(sha256, options.olderThan)) old.push(sha256);
    return old.sort();
  }

  async delete(sha256: string, options: ListOptions = {}): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    const path = this.pathOf(sha256);
    const found = await stat(path).catch(() => null);
    if (found === null) return;
    if (options.olderThan !== undefined && !(found.mtime < options.olderThan)) return;
    const size = found.size;
    await unlink(path).catch(ignoreMissing);
    this.count -= 1;
    this.bytes -= size;
  }

  stats() {
    return { count: this.count, bytes: this.bytes };
  }

  /** Published (or published again) before `date`: a file's mtime is its last publish. */
  private async isOlder(sha256: string, date: Date): Promise<boolean> {
    const found = await stat(this.pathOf(sha256)).catch(() => null);
    return found !== null && found.mtime < date;
  }

  private pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  private async publish(tmpPath: string, sha256: string, size: number): Promise<void> {
    const dir = join(this.root, sha256.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // link() never replaces: EEXIST means these exact bytes are already published; their mtime
    // is brought forward so a sweep skipping recent artifacts (list olderThan) skips them too
    // (best effort: one process owns a data dir, so no other one's sweep can be racing).
    const added = await link(tmpPath, this.pathOf(sha256)).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return false;
        throw error;
      },
    );
    if (!added) {
      const now = new Date();
      await utimes(this.pathOf(sha256), now, now).catch(() => {});
    }
    await unlink(tmpPath).catch(ignoreMissing);
    await fsyncDir(dir);
    if (added) {
      this.count += 1;
      this.bytes += size;
    }
  }
}

/** Makes a rename/link in `dir` survive power loss, not just a process crash. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
