// The node's desired state (snapshot, then changes in order), its state file, and the reconnect backoff.
import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChangesMessage, DeployedFunction, FunctionRecord, WatchChange } from "../../control/contract";
import { EMPTY_STATE, fromSnapshot, withChanges } from "../../runner/edge/state/desired-state";
import { readStateFile, writeStateFile } from "../../runner/edge/state/state-file";
import { Backoff } from "../../runner/edge/sync/backoff";
import { tempDir } from "./helpers";

const AT = "2025-01-01T00:00:00.000Z";
const record = (id: string, active: number | null = 1): FunctionRecord => ({
  id, name: id, entrypoint: "handle", runtime: "wasm", memory_pages: 16, max_execution_ms: 500, env: {}, routes: [`/${id}`], active_version: active, created_at: AT, updated_at: AT,
});
const deployed = (id: string, version = 1): DeployedFunction => ({ function: record(id, version), artifact: { version, sha256: String(version).repeat(64).slice(0, 64), size: 10 } });
const change = (revision: number, id: string, fn: DeployedFunction | null): WatchChange => ({
  revision, kind: fn ? "version.activated" : "function.deleted", function_id: id, version: fn?.artifact?.version ?? null, function: fn?.function ?? null, artifact: fn?.artifact ?? null, at: AT,
});
const changes = (...list: WatchChange[]): ChangesMessage => ({ type: "changes", history_id: "h1", changes: list });

describe("desired state", () => {
  const base = fromSnapshot({ type: "snapshot", history_id: "h1", revision: 5, functions: [deployed("a"), deployed("b")] });

  test("a snapshot replaces everything; changes move it forward one revision at a time", () => {
    expect(base.revision).toBe(5);
    expect([...base.functions.keys()]).toEqual(["a", "b"]);
    const next = withChanges(base, changes(change(6, "a", deployed("a", 2)), change(7, "b", null)))!;
    expect(next.revision).toBe(7);
    expect(next.functions.get("a")!.artifact!.version).toBe(2);
    expect(next.functions.has("b")).toBe(false);
    expect(base.functions.has("b")).toBe(true); // values are immutable
  });

  test("changes already applied are skipped; a gap or another history asks for a snapshot", () => {
    expect(withChanges(base, changes(change(4, "a", null), change(5, "a", null)))).toBe(base);
    expect(withChanges(base, changes(change(7, "a", null)))).toBeNull();
    expect(withChanges(base, { ...changes(change(6, "a", null)), history_id: "h2" })).toBeNull();
    expect(withChanges(EMPTY_STATE, changes(change(1, "a", null)))).toBeNull();
  });
});

describe("state file", () => {
  test("round-trips, is written atomically (no temp file left) and refuses what doesn't validate", async () => {
    const dir = tempDir("edge-state-");
    expect(await readStateFile(dir)).toEqual({ ok: true, state: null });
    const state = { history_id: "h1", revision: 3, desired: [deployed("a", 2)], serving: [deployed("a", 1)] };
    await writeStateFile(dir, state);
    expect(await readStateFile(dir)).toEqual({ ok: true, state: { format: 1, ...state } });
    expect(readdirSync(dir)).toEqual(["state.json"]);
    writeFileSync(join(dir, "state.json"), '{"format":1,"revision":"x"}');
    expect((await readStateFile(dir)).ok).toBe(false);
    writeFileSync(join(dir, "state.json"), "{not json");
    expect(await readStateFile(dir)).toMatchObject({ ok: false, reason: expect.stringContaining("not JSON") });
  });
});

test("backoff doubles up to its cap, with jitter in the upper half of each step, and resets", () => {
  let r = 0;
  const backoff = new Backoff(100, 1000, () => r);
  expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([50, 100, 200, 400, 500, 500]);
  r = 1;
  expect(backoff.next()).toBe(1000);
  backoff.reset();
  expect(backoff.next()).toBe(100);
});
