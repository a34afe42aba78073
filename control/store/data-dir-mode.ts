// The data dir holds secrets (env values in metadata.sqlite, the admin token), so at every start
// it is made 0700 and its files 0600, whatever an earlier release or an operator left. mkdir's
// mode applies only when it creates the directory, and SQLite creates its database with the
// umask's 0644; so metadata.sqlite is created here, empty and 0600, before SQLite opens it (an
// empty file is an empty database), and SQLite gives -wal and -shm the database's mode.
import { chmod, open } from "node:fs/promises";
import { join } from "node:path";

const SECRET_FILES = ["metadata.sqlite", "metadata.sqlite-wal", "metadata.sqlite-shm", "admin-token"];

/** Returns what it could not fix (a read-only data dir, files of another user), for the log. */
export async function restrictDataDir(dataDir: string): Promise<string[]> {
  const problems: string[] = [];
  const fix = async (path: string, mode: number) => {
    await chmod(path, mode).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") problems.push(`chmod ${mode.toString(8)} ${path}: ${error.code ?? error.message}`);
    });
  };
  await fix(dataDir, 0o700);
  const created = await open(join(dataDir, "metadata.sqlite"), "wx", 0o600).then(
    (file) => file.close().then(() => true),
    () => false,
  );
  for (const name of SECRET_FILES) if (!(created && name === "metadata.sqlite")) await fix(join(dataDir, name), 0o600);
  return problems;
}
