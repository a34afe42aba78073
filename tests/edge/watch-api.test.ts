// The control plane's watch stream, spoken to with a plain WebSocket: auth and protocol, nothing
// before a hello, a snapshot then changes as whole sequences of pages, resume within the kept
// history, snapshot when it is gone, and the size of every message: pages within the cap
// however large the state, and a record too large for any page (stored before the env limit)
// sent as parts.
import { runOnStore } from "../helpers/control-store-sql";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  MAX_WATCH_MESSAGE_BYTES,
  type ChangesMessage,
  type DeployedFunction,
  type PartMessage,
  type ServerMessage,
  type SnapshotMessage,
} from "../../core/contract";
import { watch } from "./watch-socket";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { controlApi, type ControlApi, READ_TOKEN } from "../helpers/control-api";
import { startControlProcess } from "../helpers/control-process";
import { tempDir } from "../helpers/temp-dir";
import { textModule } from "../fixtures/guests";

let control: TestControl;
let api: ControlApi;
beforeEach(async () => {
  control = await startTestControl({ changeRetention: 2 });
  api = controlApi(control.url);
});
afterEach(() => control.stop());

const snapshotOf = (messages: ServerMessage[]) => messages as SnapshotMessage[];
const functionsOf = (messages: ServerMessage[]) =>
  messages.flatMap((m) => (m.type === "snapshot" || m.type === "changes" ? m.functions : []));

/** An env of at most `bytes` of JSON in values of about 16,000 UTF-16 units (within the per-value bound). */
function bigEnv(bytes: number, fill = "x"): Record<string, string> {
  const value = fill.repeat(Math.floor(16_000 / fill.length));
  const each = Buffer.byteLength(JSON.stringify(value)) + 10;
  const env: Record<string, string> = {};
  for (let i = 0; (i + 1) * each < bytes && i < 256; i++) env[`V${i}`] = value;
  return env;
}

describe("GET /api/v1/watch", () => {
  test("needs a token (the read-only one is enough) and this protocol; sends nothing before a hello", async () => {
    await expect(watch(control.url, "?protocol=3", null)).rejects.toThrow("401");
    await expect(watch(control.url, "?protocol=3", "wrong-token-0123456789")).rejects.toThrow("401");
    const old = await watch(control.url, "");
    expect(await old.closed).toEqual({
      code: 4000,
      reason: "this control plane speaks watch protocol 3; upgrade the node",
    });
    const socket = await watch(control.url);
    await Bun.sleep(200);
    expect(socket.messages).toEqual([]);
    socket.hello();
    expect(await socket.next()).toMatchObject({ type: "snapshot", revision: 0, page: 0, last: true, functions: [] });
    socket.close();
  });

  test("a snapshot of every function with its active version, then what changed, as it is now", async () => {
    const fn = await api.createFunction({ name: "one" });
    const v1 = await api.upload(fn.id, textModule("v1"));
    const socket = await watch(control.url);
    socket.hello();
    expect(await socket.sequence()).toMatchObject([
      {
        type: "snapshot",
        revision: 2,
        page: 0,
        last: true,
        functions: [
          {
            function: { id: fn.id, name: "one", active_version: 1 },
            artifact: { version: 1, sha256: v1.sha256 },
            revision: 2,
          },
        ],
      },
    ]);

    const v2 = await api.upload(fn.id, textModule("v2"), false);
    expect(await socket.sequence()).toMatchObject([
      {
        type: "changes",
        from: 2,
        revision: 3,
        last: true,
        functions: [{ artifact: { version: 1, sha256: v1.sha256 }, revision: 3 }],
        deleted: [],
      },
    ]);
    await api.activate(fn.id, 2);
    expect(await socket.sequence()).toMatchObject([
      { type: "changes", from: 3, revision: 4, functions: [{ artifact: { version: 2, sha256: v2.sha256 } }] },
    ]);
    await api.remove(fn.id);
    expect(await socket.sequence()).toMatchObject([
      { type: "changes", from: 4, revision: 5, functions: [], deleted: [fn.id] },
    ]);
    socket.close();
  });

  test("resumes after `since` within the same history with one entry per changed function; otherwise a snapshot", async () => {
    const fn = await api.createFunction({ name: "one" });
    const first = await watch(control.url);
    first.hello();
    const [snapshot] = snapshotOf(await first.sequence());
    first.close();
    for (let i = 0; i < 5; i++) await api.patch(fn.id, { max_execution_ms: 100 + i });
    const other = await api.createFunction({ name: "two" });

    const resumed = await watch(control.url, `?protocol=3&since=${snapshot!.revision}&history=${snapshot!.history_id}`);
    resumed.hello({ revision: snapshot!.revision });
    const [changes] = (await resumed.sequence()) as ChangesMessage[];
    // Five changes to "one" and one to "two": two entries, each as it is now.
    expect(changes).toMatchObject({ type: "changes", from: 1, revision: 7, last: true, deleted: [] });
    expect(changes!.functions.map((f) => [f.function.name, f.function.max_execution_ms, f.revision])).toEqual([
      ["one", 104, 6],
      ["two", 500, 7],
    ]);
    expect(changes!.functions[1]!.function.id).toBe(other.id);
    resumed.close();

    for (const query of [
      `since=${snapshot!.revision}&history=another-history`,
      `since=99&history=${snapshot!.history_id}`,
      "since=0",
    ]) {
      const socket = await watch(control.url, `?protocol=3&${query}`);
      socket.hello();
      expect(await socket.next()).toMatchObject({ type: "snapshot", revision: 7 });
      socket.close();
    }
  });

  test("a node behind a deletion the control plane forgot (retention 2 here) gets a snapshot", async () => {
    const dataDir = tempDir("edge-retention-");
    let proc = await startControlProcess(dataDir, { extra: ["--change-retention", "2"] });
    try {
      const ids = [];
      for (const name of ["a", "b", "c", "d"]) ids.push((await proc.createFunction({ name })).id);
      const socket = await watch(proc.url);
      socket.hello();
      const [snapshot] = snapshotOf(await socket.sequence());
      socket.close();
      const resume = `?protocol=3&since=${snapshot!.revision}&history=${snapshot!.history_id}`;
      for (const id of ids.slice(0, 3)) await proc.remove(id); // revisions 5, 6, 7
      const early = await watch(proc.url, resume);
      early.hello();
      expect(await early.next()).toMatchObject({ type: "changes", from: 4, revision: 7, deleted: ids.slice(0, 3) });
      early.close();
      // Pruning runs at start (then once a minute): only the newest 2 deletions are kept.
      await proc.stop();
      proc = await startControlProcess(dataDir, { port: proc.port, extra: ["--change-retention", "2"] });
      const late = await watch(proc.url, resume);
      late.hello();
      expect(await late.next()).toMatchObject({
        type: "snapshot",
        revision: 7,
        functions: [{ function: { id: ids[3] } }],
      });
      late.close();
    } finally {
      await proc.stop();
    }
  });

  test("a message that isn't hello or applied closes the socket with 1008; applied before hello with 4010", async () => {
    const socket = await watch(control.url);
    socket.send({ type: "hello", node_id: "bad id with spaces" });
    expect((await socket.closed).code).toBe(1008);
    const early = await watch(control.url);
    early.send({ type: "applied", revision: 0, problems: [] });
    expect(await early.closed).toEqual({ code: 4010, reason: "hello first" });
  });
});

describe("message size", () => {
  test("a state far larger than a message goes out in pages within the cap, as one sequence, fresh and resumed", async () => {
    // 14 functions of ~1 MiB of env each: a snapshot of ~14 MiB against a 4 MiB cap.
    const ids: string[] = [];
    for (let i = 0; i < 14; i++)
      ids.push((await api.createFunction({ name: `big-${i}`, env: bigEnv(1_000_000, i % 2 ? "é" : "x") })).id);
    const socket = await watch(control.url);
    socket.hello();
    const pages = snapshotOf(await socket.sequence());
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.map((p) => [p.page, p.last])).toEqual(pages.map((_, i) => [i, i === pages.length - 1]));
    expect(new Set(pages.map((p) => p.revision))).toEqual(new Set([14]));
    expect(
      functionsOf(pages)
        .map((f) => f.function.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(Math.max(...socket.sizes)).toBeLessThanOrEqual(MAX_WATCH_MESSAGE_BYTES);
    const [snapshot] = pages;

    // Every function changed since: the catch-up is paged too, each page following the last.
    for (const id of ids) await api.patch(id, { env: bigEnv(1_000_000, "y") });
    const resumed = await watch(control.url, `?protocol=3&since=${snapshot!.revision}&history=${snapshot!.history_id}`);
    resumed.hello({ revision: 14 });
    const changes = (await resumed.sequence()) as ChangesMessage[];
    expect(changes.length).toBeGreaterThanOrEqual(4);
    let from = 14;
    for (const page of changes) {
      expect(page.from).toBe(from);
      from = page.revision;
    }
    expect(from).toBe(28);
    expect(functionsOf(changes).every((f) => f.function.env.V0!.startsWith("yyy"))).toBe(true);
    expect(Math.max(...resumed.sizes)).toBeLessThanOrEqual(MAX_WATCH_MESSAGE_BYTES);
    socket.close();
    resumed.close();
  }, 30_000);

  test("a record larger than any message (stored before the env limit) goes out as parts between pages", async () => {
    const small = await api.createFunction({ name: "small" });
    const legacy = await api.createFunction({ name: "legacy" });
    // Written as an older release could: 6 MiB of env, quotes, backslashes, accents and emoji
    // (surrogate pairs), beyond the 1 MiB the API now allows.
    const env = bigEnv(6_000_000, 'a"\\é😀');
    expect(Buffer.byteLength(JSON.stringify(env))).toBeGreaterThan(5_000_000);
    await runOnStore(
      control,
      { sqlite: "UPDATE functions SET env = ? WHERE id = ?", postgres: "UPDATE functions SET env = $1 WHERE id = $2" },
      [JSON.stringify(env), legacy.id],
    );

    const socket = await watch(control.url);
    socket.hello();
    const messages = await socket.sequence();
    const parts = messages.filter((m): m is PartMessage => m.type === "part");
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(messages[0]).toMatchObject({ type: "snapshot", page: 0, last: false });
    expect(messages.at(-1)).toMatchObject({ type: "snapshot", last: true });
    const entry = JSON.parse(parts.map((p) => p.text).join("")) as DeployedFunction;
    expect(entry.function.id).toBe(legacy.id);
    expect(entry.function.env).toEqual(env);
    expect(functionsOf(messages).map((f) => f.function.id)).toEqual([small.id]);
    expect(Math.max(...socket.sizes)).toBeLessThanOrEqual(MAX_WATCH_MESSAGE_BYTES);

    // A change to it (not to its env, which the API would refuse) is sent the same way.
    await api.patch(legacy.id, { max_execution_ms: 900 });
    const change = await socket.sequence();
    expect(change.map((m) => m.type)).toEqual([
      ...change.slice(0, -1).map(() => expect.stringMatching(/changes|part/)),
      "changes",
    ]);
    const changed = JSON.parse(
      change
        .filter((m): m is PartMessage => m.type === "part")
        .map((p) => p.text)
        .join(""),
    ) as DeployedFunction;
    expect(changed.function.max_execution_ms).toBe(900);
    expect(change.at(-1)).toMatchObject({ type: "changes", revision: 3, last: true });
    expect(Math.max(...socket.sizes)).toBeLessThanOrEqual(MAX_WATCH_MESSAGE_BYTES);
    socket.close();
  }, 30_000);
});

test("GET /api/v1/nodes needs a token", async () => {
  expect((await api.api("/api/v1/nodes", { token: "wrong-token-0123456789" })).status).toBe(401);
  expect((await api.api("/api/v1/nodes", { token: READ_TOKEN })).status).toBe(200);
});
