// The node's desired state (whole sequences of pages, parts of large entries), its state file
// (format 2, and format 1 of the previous release), its key, and the reconnect backoff.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  ChangesMessage,
  DeployedFunction,
  FunctionRecord,
  PartMessage,
  SnapshotMessage,
} from "../../core/contract";
import { EMPTY_STATE, type DesiredState } from "../../runner/edge/state/desired-state";
import { Incoming, type Outcome } from "../../runner/edge/state/incoming";
import { loadNodeKey } from "../../runner/edge/state/node-key";
import { readStateFile, writeStateFile } from "../../runner/edge/state/state-file";
import { Backoff } from "../../runner/edge/backoff";
import { tempDir } from "../helpers/temp-dir";

const AT = "2025-01-01T00:00:00.000Z";
const record = (id: string, active: number | null = 1, env: Record<string, string> = {}): FunctionRecord => ({
  id,
  name: id,
  entrypoint: "handle",
  runtime: "wasm",
  memory_pages: 16,
  max_execution_ms: 500,
  env,
  routes: [`/${id}`],
  active_version: active,
  created_at: AT,
  updated_at: AT,
});
const deployed = (id: string, version = 1, revision?: number, env: Record<string, string> = {}): DeployedFunction => ({
  function: record(id, version, env),
  artifact: { version, sha256: String(version).repeat(64).slice(0, 64), size: 10 },
  ...(revision === undefined ? {} : { revision }),
});
const snapshot = (
  page: number,
  last: boolean,
  functions: DeployedFunction[],
  revision = 5,
  history = "h1",
): SnapshotMessage => ({ type: "snapshot", history_id: history, revision, page, last, functions });
const changes = (
  from: number,
  revision: number,
  last: boolean,
  functions: DeployedFunction[],
  deleted: string[] = [],
  history = "h1",
): ChangesMessage => ({ type: "changes", history_id: history, from, revision, last, functions, deleted });
const part = (text: string, last: boolean): PartMessage => ({ type: "part", text, last });

function stateOf(outcome: Outcome): DesiredState {
  if (outcome.kind !== "state") throw new Error(`expected a state, got ${JSON.stringify(outcome)}`);
  return outcome.state;
}

describe("incoming sequences", () => {
  test("a snapshot's pages are held until the last, then replace the state in one step", () => {
    const incoming = new Incoming();
    expect(incoming.take(EMPTY_STATE, snapshot(0, false, [deployed("a")]))).toEqual({ kind: "pending" });
    expect(incoming.take(EMPTY_STATE, snapshot(1, false, []))).toEqual({ kind: "pending" });
    const state = stateOf(incoming.take(EMPTY_STATE, snapshot(2, true, [deployed("b")])));
    expect([state.historyId, state.revision, [...state.functions.keys()]]).toEqual(["h1", 5, ["a", "b"]]);
    expect(incoming.holding).toBe(false);
  });

  test("changes pages follow on from each other and from the node's revision; deletions by id", () => {
    const incoming = new Incoming();
    const base = stateOf(incoming.take(EMPTY_STATE, snapshot(0, true, [deployed("a"), deployed("b")])));
    expect(incoming.take(base, changes(5, 7, false, [deployed("a", 2)]))).toEqual({ kind: "pending" });
    const next = stateOf(incoming.take(base, changes(7, 9, true, [], ["b"])));
    expect([next.revision, next.functions.get("a")!.artifact!.version, next.functions.has("b")]).toEqual([9, 2, false]);
    expect(base.functions.has("b")).toBe(true); // values are immutable
  });

  test("a gap, another history, pages out of order or a part outside a sequence ask for a snapshot", () => {
    const base = stateOf(new Incoming().take(EMPTY_STATE, snapshot(0, true, [deployed("a")])));
    const resync = (...messages: (SnapshotMessage | ChangesMessage | PartMessage)[]) => {
      const incoming = new Incoming();
      let outcome: Outcome = { kind: "pending" };
      for (const message of messages) outcome = incoming.take(base, message);
      return outcome.kind;
    };
    expect(resync(changes(6, 7, true, []))).toBe("resync");
    expect(resync(changes(5, 6, true, [], [], "h2"))).toBe("resync");
    expect(resync(changes(5, 6, false, []), changes(7, 8, true, []))).toBe("resync");
    expect(resync(snapshot(0, false, []), snapshot(2, true, []))).toBe("resync");
    expect(resync(snapshot(0, false, []), snapshot(1, true, [], 6))).toBe("resync");
    expect(resync(snapshot(0, false, []), changes(5, 6, true, []))).toBe("resync");
    expect(resync(part("{}", true))).toBe("resync");
    expect(resync(snapshot(0, false, []), part("{", false), snapshot(1, true, []))).toBe("resync");
    expect(resync(snapshot(0, false, []), part('{"function":1}', true))).toBe("resync");
  });

  test("parts add up to one entry of the sequence they come in, between its pages", () => {
    const big = deployed("big", 1, 4, { V: "é".repeat(1000) });
    const text = JSON.stringify(big);
    const incoming = new Incoming();
    expect(incoming.take(EMPTY_STATE, snapshot(0, false, [deployed("a")]))).toEqual({ kind: "pending" });
    for (let i = 0; i < text.length; i += 700)
      expect(incoming.take(EMPTY_STATE, part(text.slice(i, i + 700), i + 700 >= text.length)).kind).toBe("pending");
    const state = stateOf(incoming.take(EMPTY_STATE, snapshot(1, true, [deployed("z")])));
    expect([...state.functions.keys()]).toEqual(["a", "big", "z"]);
    expect(state.functions.get("big")).toEqual(big);
  });

  test("an entry the node holds at the same revision is kept as the object it has (held once)", () => {
    const incoming = new Incoming();
    const first = stateOf(
      incoming.take(EMPTY_STATE, snapshot(0, true, [deployed("a", 1, 3), deployed("b", 1, 4), deployed("c")])),
    );
    const again = stateOf(
      incoming.take(first, snapshot(0, true, [deployed("a", 1, 3), deployed("b", 2, 6), deployed("c")], 6)),
    );
    expect(again.functions.get("a")).toBe(first.functions.get("a")!);
    expect(again.functions.get("b")).not.toBe(first.functions.get("b")!);
    expect(again.functions.get("c")).not.toBe(first.functions.get("c")!); // no revision: not known to be equal
  });

  test("reset (a disconnect) drops what was held", () => {
    const incoming = new Incoming();
    incoming.take(EMPTY_STATE, snapshot(0, false, [deployed("a")]));
    incoming.reset();
    expect(incoming.take(EMPTY_STATE, snapshot(1, true, [])).kind).toBe("resync");
    expect(stateOf(new Incoming().take(EMPTY_STATE, snapshot(0, true, []))).functions.size).toBe(0);
  });
});

describe("state file", () => {
  test("round-trips, writes each record once when served as desired, atomically, and refuses what doesn't validate", async () => {
    const dir = tempDir("edge-state-");
    expect(await readStateFile(dir)).toEqual({ ok: true, state: null });
    const a1 = deployed("a", 1, 3, { BIG: "x".repeat(10_000) });
    const a2 = deployed("a", 2, 4, { BIG: "y".repeat(10_000) });
    const b = deployed("b", 1, 2, { BIG: "z".repeat(10_000) });
    const gone = deployed("gone", 1, 1);
    await writeStateFile(dir, { history_id: "h1", revision: 3, desired: [a2, b], serving: [a1, b, gone] });
    expect(await readStateFile(dir)).toEqual({
      ok: true,
      format: 2,
      state: { history_id: "h1", revision: 3, desired: [a2, b], serving: [a1, b, gone] },
    });
    expect(readdirSync(dir)).toEqual(["state.json"]);
    expect(statSync(join(dir, "state.json")).mode & 0o777).toBe(0o600);
    const text = readFileSync(join(dir, "state.json"), "utf8");
    expect(text.split("z".repeat(10_000)).length - 1).toBe(1); // b served as desired: written once
    expect(text.split("\n").filter(Boolean).length).toBe(4);
    writeFileSync(
      join(dir, "state.json"),
      '{"format":2,"history_id":"h","revision":1}\n{"id":"a","desired":{"function":1},"serving":null}\n',
    );
    expect(await readStateFile(dir)).toMatchObject({ ok: false, reason: expect.stringContaining("line 2") });
    writeFileSync(join(dir, "state.json"), '{"format":1,"revision":"x"}');
    expect((await readStateFile(dir)).ok).toBe(false);
    writeFileSync(join(dir, "state.json"), "{not json");
    expect(await readStateFile(dir)).toMatchObject({ ok: false, reason: expect.stringContaining("not JSON") });
  });

  test("a state file of the previous release (format 1, one JSON object, entries without revision) still loads", async () => {
    const dir = tempDir("edge-state-");
    const old = { format: 1, history_id: "h1", revision: 7, desired: [deployed("a", 2)], serving: [deployed("a", 1)] };
    writeFileSync(join(dir, "state.json"), JSON.stringify(old));
    expect(await readStateFile(dir)).toEqual({ ok: true, format: 1, state: old });
  });
});

test("node key: made once (mode 0600) and read back; a file that holds no key is an error, not a new key", async () => {
  const dir = tempDir("edge-key-");
  const [first, second] = await Promise.all([loadNodeKey(dir), loadNodeKey(dir)]);
  expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(second).toBe(first);
  expect(await loadNodeKey(dir)).toBe(first);
  expect(statSync(join(dir, "node-key")).mode & 0o777).toBe(0o600);
  writeFileSync(join(dir, "node-key"), "short\n");
  await expect(loadNodeKey(dir)).rejects.toThrow("holds no usable node key");
});

test("backoff doubles up to its cap, with jitter in the upper half of each step, and resets", () => {
  let r = 0;
  const backoff = new Backoff(100, 1000, () => r);
  expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
    50, 100, 200, 400, 500, 500,
  ]);
  r = 1;
  expect(backoff.next()).toBe(1000);
  backoff.reset();
  expect(backoff.next()).toBe(100);
});
