// A control plane's stable name among the replicas on one database: made at its first start
// and kept in its data dir, so a restarted replica recognises (and releases) the node sockets
// its previous life held (postgres/node-store.ts).
import { randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function replicaId(dataDir: string): Promise<string> {
  const path = join(dataDir, "replica-id");
  const kept = await readFile(path, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (/^[0-9a-f-]{36}$/.test(kept)) return kept;
  const id = randomUUID();
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${id}\n`, { mode: 0o600 });
  await rename(tmp, path);
  return id;
}
