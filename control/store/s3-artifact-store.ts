// Artifacts as objects named by their SHA-256, <prefix>/sha256/<hex>, in an S3 bucket (Bun's
// S3Client: AWS, R2, MinIO, ...). An upload is spooled to a local staging file and hashed on the
// way (staged-file.ts): the module checks need its bytes anyway, and its key is known only once
// the last byte is hashed. Publishing PUTs the finished file under its key; a PUT is atomic (a
// reader sees the whole object or none), so a failed or never-published upload leaves nothing in
// the bucket. Bun's client has no server-side copy, so streaming into a staging key while
// receiving would need a second upload to reach the hash's key: spooling costs less.
import { unlink } from "node:fs/promises";
import { S3Client } from "bun";
import { SHA256_HEX, type ArtifactStore, type ListOptions, type StagedArtifact } from "./artifact-store";
import type { S3Options } from "./artifacts-location";
import { ignoreMissing, openStaging, stageFile } from "./staged-file";
import { StoreUnavailable } from "./storage-errors";

export interface S3Location {
  bucket: string;
  /** Without slashes at either end; "" for the bucket's top. */
  prefix: string;
}

/** S3 answers at most 1,000 keys a page; tests ask for smaller pages to see the paging. */
const PAGE_SIZE = 1000;

export class S3ArtifactStore implements ArtifactStore {
  private count = 0;
  private bytes = 0;
  private readonly keyPrefix: string;

  private constructor(
    private readonly client: S3Client,
    private readonly where: string,
    prefix: string,
    private readonly staging: string,
    private readonly pageSize: number,
  ) {
    this.keyPrefix = prefix ? `${prefix}/sha256/` : "sha256/";
  }

  /**
   * Empties `stagingDir` (e.g. <data-dir>/tmp) and counts what the bucket holds under the
   * prefix: a bucket that cannot be listed fails here, with StoreUnavailable naming why.
   */
  static async open(
    location: S3Location,
    options: S3Options,
    stagingDir: string,
    tuning: { pageSize?: number } = {},
  ): Promise<S3ArtifactStore> {
    const client = new S3Client({ ...options, bucket: location.bucket });
    const where = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ""}`;
    const store = new S3ArtifactStore(client, where, location.prefix, stagingDir, tuning.pageSize ?? PAGE_SIZE);
    await openStaging(stagingDir);
    await store.recount();
    return store;
  }

  async stage(): Promise<StagedArtifact> {
    return stageFile(this.staging, (path, sha256, size) => this.publish(path, sha256, size));
  }

  /** The whole object in memory: callers check it or send it, and uploads are capped in size. */
  async get(sha256: string): Promise<Blob | null> {
    if (!SHA256_HEX.test(sha256)) return null;
    try {
      return new Blob([await this.client.file(this.keyOf(sha256)).bytes()]);
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.unavailable("download", error);
    }
  }

  async list(options: ListOptions = {}): Promise<string[]> {
    const hashes: string[] = [];
    await this.eachObject((sha256, _size, lastModified) => {
      if (options.olderThan === undefined || isOlder(lastModified, options.olderThan)) hashes.push(sha256);
    });
    return hashes.sort();
  }

  async delete(sha256: string, options: ListOptions = {}): Promise<void> {
    if (!SHA256_HEX.test(sha256)) return;
    const key = this.keyOf(sha256);
    let found: { size: number; lastModified: Date };
    try {
      found = await this.client.stat(key);
    } catch (error) {
      if (isMissing(error)) return;
      throw this.unavailable("stat", error);
    }
    if (options.olderThan !== undefined && !isOlder(found.lastModified, options.olderThan)) return;
    await this.call("delete", () => this.client.delete(key));
    this.count -= 1;
    this.bytes -= found.size;
  }

  /**
   * What this process has seen: the bucket as listed at open (or the last recount), plus its own
   * publishes and deletes. With several control planes on one bucket each counts only its own
   * changes since then, so two replicas' numbers differ until each recounts (a LIST of the prefix).
   */
  stats() {
    return { count: this.count, bytes: this.bytes };
  }

  async recount(): Promise<void> {
    let count = 0;
    let bytes = 0;
    await this.eachObject((_sha256, size) => {
      count += 1;
      bytes += size;
    });
    this.count = count;
    this.bytes = bytes;
  }

  /** A GET URL signed locally with the store's credentials (no request is made). */
  presign(sha256: string, expiresInSeconds: number): string | null {
    if (!SHA256_HEX.test(sha256)) return null;
    try {
      return this.client.presign(this.keyOf(sha256), { method: "GET", expiresIn: expiresInSeconds });
    } catch (error) {
      throw this.unavailable("presign", error);
    }
  }

  private keyOf(sha256: string): string {
    return this.keyPrefix + sha256;
  }

  /** A HEAD, then a PUT only when the object is not there yet (it also says whether the count grows). */
  private async publish(path: string, sha256: string, size: number): Promise<void> {
    const key = this.keyOf(sha256);
    // Written once: bytes already there are the same bytes (the key is their hash). A sweep cannot
    // take them from under this upload: it deletes under the artifact's lock, which the upload
    // holds from here to its commit, and checks again that no version refers to them.
    // An object of another size is not these bytes: a PUT cut off by a crash on a server that
    // does not make PUTs atomic (s3rver writes in place). It is replaced, never trusted.
    const found = await this.call("check", () =>
      this.client.stat(key).then(
        (stat) => stat.size,
        (error) => (isMissing(error) ? null : Promise.reject(error)),
      ),
    );
    const existed = found === size;
    if (!existed) await this.call("upload", () => this.client.write(key, Bun.file(path), { type: "application/wasm" }));
    await unlink(path).catch(ignoreMissing);
    if (!existed) {
      this.count += 1;
      this.bytes += size;
    }
  }

  private async eachObject(visit: (sha256: string, size: number, lastModified: Date | null) => void): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.call("list", () =>
        this.client.list({ prefix: this.keyPrefix, maxKeys: this.pageSize, continuationToken: token }),
      );
      for (const object of page.contents ?? []) {
        const sha256 = object.key.slice(this.keyPrefix.length);
        if (!object.key.startsWith(this.keyPrefix) || !SHA256_HEX.test(sha256)) continue;
        visit(sha256, object.size ?? 0, object.lastModified ? new Date(object.lastModified) : null);
      }
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.unavailable(what, error);
    }
  }

  /** Bun's S3Error names the cause (ConnectionRefused, AccessDenied, InternalError, ...); no credential is in it. */
  private unavailable(what: string, error: unknown): StoreUnavailable {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    return new StoreUnavailable(`artifact store ${this.where}: ${what} failed: ${String(code)}: ${String(message)}`, {
      cause: error,
    });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "NoSuchKey" || code === "NotFound";
}

/**
 * Last published before `date`, for sure: S3 keeps LastModified to the second, so an object
 * written at 12:00:00.900 shows 12:00:00 and counts as older only from 12:00:01 on. Unknown: not older.
 */
function isOlder(lastModified: Date | null, date: Date): boolean {
  return lastModified !== null && lastModified.getTime() + 1000 <= date.getTime();
}
