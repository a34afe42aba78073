// Per-artifact locks across replicas: PostgreSQL advisory locks, keyed by the hash, held on a
// connection of a small pool of their own (so a held lock never takes a connection the work
// inside it needs). An upload holds one from publishing its bytes until its version is
// committed, retention from checking that no version refers to them until they are deleted
// (versions/artifact-locks.ts says why). A replica killed while holding one loses its session,
// and PostgreSQL releases the lock with it.
import { SQL } from "bun";
import type { ArtifactLock } from "../artifact-locks";

/** Locks held at once per replica; more wait for a connection. */
const HOLDERS = 8;

export class PostgresArtifactLocks implements ArtifactLock {
  private readonly pool: SQL;

  constructor(url: string) {
    this.pool = new SQL({ url, max: HOLDERS, idleTimeout: 60, connectionTimeout: 10 });
  }

  async run<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const key = `edgebase-artifact:${sha256}`;
    const holder = await this.pool.reserve();
    try {
      await holder`SELECT pg_advisory_lock(hashtextextended(${key}, 0))`;
      try {
        return await work();
      } finally {
        await holder`SELECT pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => {});
      }
    } finally {
      holder.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.close({ timeout: 5 }).catch(() => {});
  }
}
