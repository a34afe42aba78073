// Notices when the data dir is removed or replaced under a running control plane (`rm -rf data`,
// a volume swapped). SQLite and the artifact store keep writing to their open, now nameless,
// files and would acknowledge writes that no restart will ever see; so the API refuses writes
// once the dir or the metadata file is no longer the one opened at start, and /healthz fails.
// Two stat calls per check (~2 µs), made per write request and per health check.
import { statSync } from "node:fs";
import { join } from "node:path";
import { DataDirLost } from "./storage-errors";

interface Identity {
  path: string;
  dev: number;
  ino: number;
}

export class DataDirGuard {
  private readonly watched: Identity[];

  /** Records the identity of `dataDir` and its `files` (the metadata file; none with PostgreSQL) as they are now. */
  constructor(
    private readonly dataDir: string,
    files: readonly string[] = ["metadata.sqlite"],
  ) {
    this.watched = [dataDir, ...files.map((file) => join(dataDir, file))].map((path) => {
      const { dev, ino } = statSync(path);
      return { path, dev, ino };
    });
  }

  /** Null while the data dir is the one opened at start; else what happened. */
  problem(): string | null {
    for (const { path, dev, ino } of this.watched) {
      let now;
      try {
        now = statSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT")
          return `${path} was removed while the control plane ran`;
        continue; // Unreadable for another reason (EIO...): the write itself will say so.
      }
      if (now.dev !== dev || now.ino !== ino) return `${path} was replaced while the control plane ran`;
    }
    return null;
  }

  /** Throws DataDirLost (a 503 to the API) when problem() is not null. */
  assertIntact(): void {
    const problem = this.problem();
    if (problem) throw new DataDirLost(problem);
  }

  get path(): string {
    return this.dataDir;
  }
}
