// Artifacts as files named by their SHA-256 under <data>/artifacts/<first two hex>/<hex>.
// An upload is written to <data>/tmp, hashed on the way, fsynced, then hard-linked into place:
// a reader sees a whole file or none, and two uploads of the same bytes share one file.
// Anything left in tmp (a crash mid-upload) is removed when the store opens.
import { link, mkdir, open, readdir, rm, stat, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { SHA256_HEX, type ArtifactStore, type StagedArtifact } from "./artifact-store";
import { storageFailure } from "./storage-errors";
import { Sha256 } from "../../core/module/sha256";

export class FileArtifactStore implements ArtifactStore {
  private count = 0;
  private bytes = 0;

  private constructor(
    private readonly root: string,
    private readonly tmp: string,
  ) {}

  static async open(dataDir: string): Promise<FileArtifactStore> {
    const store = new FileArtifactStore(join(dataDir, "artifacts"), join(dataDir, "tmp"));
    // On a read-only data dir the leftovers stay until a start that can write; nothing is staged meanwhile.
    await rm(store.tmp, { recursive: true, force: true }).catch((error) => {
      if (storageFailure(error) !== "unwritable") throw error;
    });
    await mkdir(store.tmp, { recursive: true, mode: 0o700 });
    await mkdir(store.root, { recursive: true, mode: 0o700 });
    for (const sha256 of await store.list()) {
      store.count += 1;
      store.bytes += (await stat(store.pathOf(sha256))).size;
    }
    return store;
  }

  async stage(): Promise<StagedArtifact> {
    const path = join(this.tmp, `upload-${crypto.randomUUID()}`);
    const file = await open(path, "wx", 0o600);
    return new StagedFile(path, file, (sha256, size) => this.publish(path, sha256, size));
  }

  async get(sha256: string): Promise<Blob | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    const file = Bun.file(this.pathOf(sha256));
    return (await file.exists()) ? file : null;
  }

  async list(): Promise<string[]> {
    const hashes: string[] = [];
    for (const dir of await readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await readdir(join(this.root, dir)))
        if (SHA256_HEX.test(name) && name.startsWith(dir)) hashes.push(name);
    }
    return hashes.sort();
  }

  async delete(sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    const path = this.pathOf(sha256);
    const size = await stat(path).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) return;
    await unlink(path).catch(ignoreMissing);
    this.count -= 1;
    this.bytes -= size;
  }

  stats() {
    return { count: this.count, bytes: this.bytes };
  }

  private pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  private async publish(tmpPath: string, sha256: string, size: number): Promise<void> {
    const dir = join(this.root, sha256.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // link() never replaces: EEXIST means these exact bytes are already published.
    const added = await link(tmpPath, this.pathOf(sha256)).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return false;
        throw error;
      },
    );
    await unlink(tmpPath).catch(ignoreMissing);
    await fsyncDir(dir);
    if (added) {
      this.count += 1;
      this.bytes += size;
    }
  }
}

class StagedFile implements StagedArtifact {
  size = 0;
  private readonly hash = new Sha256();
  private file: FileHandle | null;
  private digest: { sha256: string; size: number } | null = null;
  private state: "writing" | "finished" | "published" | "discarded" = "writing";

  constructor(
    private readonly path: string,
    file: FileHandle,
    private readonly onPublish: (sha256: string, size: number) => Promise<void>,
  ) {
    this.file = file;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== "writing" || !this.file) throw new Error(`staged artifact is ${this.state}`);
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    for (let offset = 0; offset < chunk.byteLength; ) {
      const { bytesWritten } = await this.file.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
  }

  async finish(): Promise<{ sha256: string; size: number }> {
    if (this.digest) return this.digest;
    if (this.state !== "writing" || !this.file) throw new Error(`staged artifact is ${this.state}`);
    await this.file.sync();
    await this.file.close();
    this.file = null;
    this.state = "finished";
    this.digest = { sha256: this.hash.hex(), size: this.size };
    return this.digest;
  }

  async read(): Promise<Uint8Array> {
    if (this.state !== "finished") throw new Error(`staged artifact is ${this.state}`);
    return Bun.file(this.path).bytes();
  }

  async publish(): Promise<{ sha256: string; size: number }> {
    const digest = await this.finish();
    if (this.state === "published") return digest;
    await this.onPublish(digest.sha256, digest.size);
    this.state = "published";
    return digest;
  }

  async discard(): Promise<void> {
    if (this.state === "published" || this.state === "discarded") return;
    this.state = "discarded";
    await this.file?.close().catch(() => {});
    this.file = null;
    await unlink(this.path).catch(ignoreMissing);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
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
