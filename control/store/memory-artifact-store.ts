// Artifacts in a Map: for tests and throwaway setups; it proves ArtifactStore names no files.
import { SHA256_HEX, type ArtifactStore, type ListOptions, type StagedArtifact } from "./artifact-store";
import { Sha256 } from "../../core/module/sha256";

export class MemoryArtifactStore implements ArtifactStore {
  private readonly artifacts = new Map<string, Uint8Array>();
  /** When each artifact was last published (for list/delete olderThan). */
  private readonly published = new Map<string, Date>();

  async stage(): Promise<StagedArtifact> {
    return new StagedMemory((sha256, bytes) => {
      if (!this.artifacts.has(sha256)) this.artifacts.set(sha256, bytes);
      this.published.set(sha256, new Date());
    });
  }

  async get(sha256: string): Promise<Blob | null> {
    const bytes = SHA256_HEX.test(sha256) ? this.artifacts.get(sha256) : undefined;
    return bytes ? new Blob([bytes]) : null;
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    return [...this.artifacts.keys()].filter((sha256) => this.isOlder(sha256, options.olderThan)).sort();
  }

  async delete(sha256: string, options: ListOptions = {}): Promise<void> {
    if (!this.isOlder(sha256, options.olderThan)) return;
    this.artifacts.delete(sha256);
    this.published.delete(sha256);
  }

  private isOlder(sha256: string, date: Date | undefined): boolean {
    return date === undefined || (this.published.get(sha256) ?? date) < date;
  }

  stats() {
    let bytes = 0;
    for (const artifact of this.artifacts.values()) bytes += artifact.byteLength;
    return { count: this.artifacts.size, bytes };
  }
}

class StagedMemory implements StagedArtifact {
  size = 0;
  private chunks: Uint8Array[] = [];
  private readonly hash = new Sha256();
  private digest: { sha256: string; size: number } | null = null;
  private state: "writing" | "finished" | "published" | "discarded" = "writing";

  constructor(private readonly onPublish: (sha256: string, bytes: Uint8Array) => void) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.state !== "writing") throw new Error(`staged artifact is ${this.state}`);
    this.hash.update(chunk);
    this.chunks.push(chunk.slice());
    this.size += chunk.byteLength;
  }

  async finish(): Promise<{ sha256: string; size: number }> {
    if (this.digest) return this.digest;
    if (this.state !== "writing") throw new Error(`staged artifact is ${this.state}`);
    this.state = "finished";
    this.digest = { sha256: this.hash.hex(), size: this.size };
    return this.digest;
  }

  async read(): Promise<Uint8Array> {
    if (this.state !== "finished") throw new Error(`staged artifact is ${this.state}`);
    return new Uint8Array(Buffer.concat(this.chunks));
  }

  async publish(): Promise<{ sha256: string; size: number }> {
    const digest = await this.finish();
    if (this.state === "published") return digest;
    if (this.state !== "finished") throw new Error(`staged artifact is ${this.state}`);
    this.onPublish(digest.sha256, new Uint8Array(Buffer.concat(this.chunks)));
    this.state = "published";
    return digest;
  }

  async discard(): Promise<void> {
    if (this.state === "published") return;
    this.state = "discarded";
    this.chunks = [];
  }
}
