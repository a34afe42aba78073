// The node's last known state on disk (<cache-dir>/state.json), so a node restarted while the
// control plane is down serves what it served before. Written atomically (temp file, fsync,
// rename, fsync of the directory): a crash leaves the old file or the new one, never half.
//
// Format 2 is JSON lines, written and read a line at a time, so a state of hundreds of MiB of
// env never becomes one string: a header {format, history_id, revision}, then one line per
// function {id, desired, serving}, where `serving` is "desired" when the node serves what the
// control plane wants (the usual case, so each record is written once). Format 1 (one JSON
// object, written by the previous release) is still read. A function's secrets are written
// sealed (state-secrets.ts): the file never holds one in clear.
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { DeployedFunction } from "../../../core/contract";
import { NO_SECRETS, StoredFunction, type StateSealer } from "./state-secrets";

const STATE_FILE = "state.json";
/** Lines are gathered into writes of about this many bytes. */
const WRITE_CHUNK = 1024 * 1024;

export interface PersistedState {
  history_id: string | null;
  /** Revision of `desired`; the node resumes the watch after it. */
  revision: number;
  /** What the control plane wants served. */
  desired: DeployedFunction[];
  /** What the node actually served (differs where a version could not be fetched or verified). */
  serving: DeployedFunction[];
}

const FormatOne = Type.Object({
  format: Type.Literal(1),
  history_id: Type.Union([Type.String(), Type.Null()]),
  revision: Type.Integer({ minimum: 0 }),
  desired: Type.Array(DeployedFunction),
  serving: Type.Array(DeployedFunction),
});
const Header = Type.Object(
  {
    format: Type.Literal(2),
    history_id: Type.Union([Type.String(), Type.Null()]),
    revision: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
const Line = Type.Object(
  {
    id: Type.String(),
    desired: Type.Union([StoredFunction, Type.Null()]),
    serving: Type.Union([StoredFunction, Type.Literal("desired"), Type.Null()]),
  },
  { additionalProperties: false },
);

/**
 * `unopened`: functions left out because their secrets did not open (the node key changed):
 * the node must take a snapshot, or it would never get them back.
 */
export type ReadState =
  | { ok: true; state: PersistedState | null; format?: 1 | 2; unopened?: number }
  | { ok: false; reason: string };

/** null state when there is no file yet; a file that doesn't parse or validate is reported, not thrown. */
export async function readStateFile(dir: string, sealer: StateSealer = NO_SECRETS): Promise<ReadState> {
  const stream = createReadStream(join(dir, STATE_FILE), { encoding: "utf8" });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    let header: Static<typeof Header> | null = null;
    const state: PersistedState = { history_id: null, revision: 0, desired: [], serving: [] };
    let number = 0;
    let unopened = 0;
    for await (const text of lines) {
      number++;
      const value = parse(text, number);
      if (!header) {
        if ((value as { format?: unknown })?.format === 1)
          return { ok: true, state: checked(FormatOne, value, "/"), format: 1 };
        header = checked(Header, value, "line 1");
        state.history_id = header.history_id;
        state.revision = header.revision;
        continue;
      }
      const line = checked(Line, value, `line ${number}`);
      if (line.serving === "desired" && !line.desired)
        throw new Invalid(`line ${number}: serves "desired" but has none`);
      // undefined: none on the line; null: its secrets did not open.
      const desired = line.desired ? sealer.open(line.desired) : undefined;
      const serving = line.serving === "desired" ? desired : line.serving ? sealer.open(line.serving) : undefined;
      // A function whose secrets did not open is left out whole, never served without them.
      if (desired === null || serving === null) {
        unopened++;
        continue;
      }
      if (desired) state.desired.push(desired);
      if (serving) state.serving.push(serving);
    }
    if (!header) return { ok: false, reason: "empty file" };
    return { ok: true, state, format: 2, ...(unopened > 0 ? { unopened } : {}) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, state: null };
    return { ok: false, reason: (error as Error).message };
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * Writes the state a line at a time. `serving` entries that are the very objects of `desired`
 * (the node serves what is wanted) are written once.
 */
export async function writeStateFile(
  dir: string,
  state: {
    history_id: string | null;
    revision: number;
    desired: Iterable<DeployedFunction>;
    serving: Iterable<DeployedFunction>;
  },
  sealer: StateSealer = NO_SECRETS,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, STATE_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const file = await open(temp, "w", 0o600);
  try {
    const desired = new Map<string, DeployedFunction>();
    for (const entry of state.desired) desired.set(entry.function.id, entry);
    const serving = new Map<string, DeployedFunction>();
    for (const entry of state.serving) serving.set(entry.function.id, entry);
    let chunk: string[] = [JSON.stringify({ format: 2, history_id: state.history_id, revision: state.revision })];
    let size = 0;
    const line = async (text: string) => {
      chunk.push(text);
      size += text.length;
      if (size < WRITE_CHUNK) return;
      await file.write(chunk.join("\n") + "\n");
      chunk = [];
      size = 0;
    };
    for (const [id, wanted] of desired) {
      const served = serving.get(id);
      await line(
        JSON.stringify({
          id,
          desired: sealer.seal(wanted),
          serving: served === undefined ? null : served === wanted ? "desired" : sealer.seal(served),
        }),
      );
    }
    for (const [id, served] of serving)
      if (!desired.has(id)) await line(JSON.stringify({ id, desired: null, serving: sealer.seal(served) }));
    if (chunk.length > 0) await file.write(chunk.join("\n") + "\n");
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

class Invalid extends Error {}

function parse(text: string, number: number): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Invalid(`line ${number}: not JSON: ${(error as Error).message}`);
  }
}

function checked<T extends typeof FormatOne | typeof Header | typeof Line>(
  schema: T,
  value: unknown,
  where: string,
): Static<T> {
  const problem = Value.Errors(schema, value).First();
  if (problem) throw new Invalid(`${where}${problem.path || ""}: ${problem.message}`);
  return value as Static<T>;
}
