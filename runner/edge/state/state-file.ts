// The node's last known state on disk (<cache-dir>/state.json), so a node restarted while the
// control plane is down serves what it served before. Written atomically (temp file, fsync,
// rename, fsync of the directory): a crash leaves the old file or the new one, never half.
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { DeployedFunction } from "../../../control/contract";

const STATE_FILE = "state.json";
const FORMAT = 1;

export const PersistedState = Type.Object({
  format: Type.Literal(FORMAT),
  history_id: Type.Union([Type.String(), Type.Null()]),
  /** Revision of `desired`; the node resumes the watch after it. */
  revision: Type.Integer({ minimum: 0 }),
  /** What the control plane wants served. */
  desired: Type.Array(DeployedFunction),
  /** What the node actually served (differs where a version could not be fetched or verified). */
  serving: Type.Array(DeployedFunction),
});
export type PersistedState = Static<typeof PersistedState>;

export type ReadState = { ok: true; state: PersistedState | null } | { ok: false; reason: string };

/** null state when there is no file yet; a file that doesn't parse or validate is reported, not thrown. */
export async function readStateFile(dir: string): Promise<ReadState> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, state: null };
    return { ok: false, reason: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const problem = Value.Errors(PersistedState, value).First();
  if (problem) return { ok: false, reason: `${problem.path || "/"}: ${problem.message}` };
  return { ok: true, state: value as PersistedState };
}

export async function writeStateFile(dir: string, state: Omit<PersistedState, "format">): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, STATE_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const file = await open(temp, "w", 0o600);
  try {
    await file.writeFile(JSON.stringify({ format: FORMAT, ...state }));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
