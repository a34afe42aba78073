// An upload staged as a local file: written to a staging dir as it arrives, hashed on the way,
// fsynced on finish, then handed to the backend's publish (the files backend links it into
// place, the S3 backend PUTs it). Used by every backend that keeps artifacts outside memory.
import { mkdir, open, rm, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { StagedArtifact } from "./artifact-store";
import { storageFailure } from "./storage-errors";
import { Sha256 } from "../../core/module/sha256";

/** Publishes the finished file at `path`; it may move or remove the file. */
export type PublishStaged = (path: string, sha256: string, size: number) => Promise<void>;

/**
 * Empties the staging dir (what a crash mid-upload left) and makes it. The data dir lock makes
 * this process its only user. On a read-only dir the leftovers stay until a start that can write.
 */
export async function openStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch((error) => {
    if (storageFailure(error) !== "unwritable") throw error;
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function stageFile(dir: string, onPublish: PublishStaged): Promise<StagedArtifact> {
  const path = join(dir, `upload-${crypto.randomUUID()}`);
  const file = await open(path, "wx", 0o600);
  return new StagedFile(path, file, onPublish);
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
    private readonly onPublish: PublishStaged,
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
    if (this.state !== "finished") throw new Error(`staged artifact is ${this.state}`);
    await this.onPublish(this.path, digest.sha256, digest.size);
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

export function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== "ENOENT") throw error;
}
