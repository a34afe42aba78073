// Taking the data dir at start: create it, lock it (one control plane per data dir), and make
// it and its secret files private. What cannot be fixed (a read-only dir) is logged, not fatal:
// a read-only data dir still serves reads.
import { mkdir } from "node:fs/promises";
import type { Logger } from "../../core/observe/log";
import { lockDataDir, type DataDirLock } from "./data-dir-lock";
import { restrictDataDir } from "./data-dir-mode";

export async function takeDataDir(dataDir: string, logger: Logger): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(dataDir);
  const problems = await restrictDataDir(dataDir).catch((error: Error) => [error.message]);
  for (const problem of problems)
    logger.log("warn", "cannot make the data dir private", { data_dir: dataDir, problem });
  return lock;
}
