// One async lock per artifact hash. An upload holds it from publishing its artifact until its
// version is committed; retention holds it from checking that no version refers to an artifact
// until the file is gone. So a file is never deleted under an upload that found it already there
// (link() says EEXIST) and is about to record a version of it. One process owns the data dir
// (store/data-dir-lock.ts), so an in-memory lock is enough; replicas sharing a database and a
// bucket use PostgreSQL's advisory locks instead (store/postgres/artifact-locks.ts).

export interface ArtifactLock {
  /** Runs `work` once every earlier holder of `sha256` is done. */
  run<T>(sha256: string, work: () => Promise<T>): Promise<T>;
}

export class ArtifactLocks implements ArtifactLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier holder of `sha256` is done. */
  async run<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(sha256) ?? Promise.resolve();
    const mine = before.then(work);
    const tail = mine.catch(() => {});
    this.tails.set(sha256, tail);
    try {
      return await mine;
    } finally {
      if (this.tails.get(sha256) === tail) this.tails.delete(sha256);
    }
  }

  /** Hashes held or waited for (tests). */
  get size(): number {
    return this.tails.size;
  }
}
