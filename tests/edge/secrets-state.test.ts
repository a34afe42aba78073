// A node's secrets, in process: the state file holds them sealed under a key derived from the
// node key (another node key opens none, and the node then asks for a snapshot rather than
// resume without them); a file is never written with a value in clear; the deployment gives
// the guest env then secrets, and a secret's change changes the pool key.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DeployedFunction, FunctionRecord } from "../../core/contract";
import { createLogger } from "../../core/observe/log";
import { EdgeNode } from "../../runner/edge/edge-node";
import { deploymentOf } from "../../runner/edge/serving/deployment";
import { readStateFile, writeStateFile } from "../../runner/edge/state/state-file";
import { NO_SECRETS, stateSealer } from "../../runner/edge/state/state-secrets";
import type { Reconciler } from "../../runner/edge/sync/reconciler";
import { tempDir } from "../helpers/temp-dir";

const VALUE = "node-side-value-4e8a11";
const AT = "2025-01-01T00:00:00.000Z";
const NODE_KEY = "n".repeat(43);
const OTHER_NODE_KEY = "m".repeat(43);

function entry(
  id: string,
  secrets?: Record<string, string>,
  env: Record<string, string> = { A: "1" },
): DeployedFunction {
  const fn: FunctionRecord = {
    id,
    name: id,
    entrypoint: "handle",
    runtime: "wasm",
    memory_pages: 16,
    max_execution_ms: 500,
    env,
    routes: [`/${id}`],
    active_version: 1,
    created_at: AT,
    updated_at: AT,
  };
  return {
    function: fn,
    artifact: { version: 1, sha256: "a".repeat(64), size: 10 },
    revision: 4,
    ...(secrets ? { secrets } : {}),
  };
}

const state = (functions: DeployedFunction[]) => ({
  history_id: "h1",
  revision: 7,
  desired: functions,
  serving: functions,
});

test("state.json: secrets sealed, read back whole with the node key; none in clear", async () => {
  const dir = tempDir("secrets-state-");
  const withSecret = entry("f1", { API_KEY: VALUE, OTHER: `x${VALUE}` });
  const plain = entry("f2");
  await writeStateFile(dir, state([withSecret, plain]), stateSealer(NODE_KEY));
  const text = readFileSync(join(dir, "state.json"), "utf8");
  expect(text).not.toContain(VALUE);
  expect(text).toContain("sealed_secrets");
  expect(text).toContain('"env":{"A":"1"}');
  expect(await readStateFile(dir, stateSealer(NODE_KEY))).toEqual({
    ok: true,
    format: 2,
    state: { history_id: "h1", revision: 7, desired: [withSecret, plain], serving: [withSecret, plain] },
  });
});

test("another node key opens none: those functions are left out and counted, the rest is kept", async () => {
  const dir = tempDir("secrets-state-");
  await writeStateFile(dir, state([entry("f1", { API_KEY: VALUE }), entry("f2")]), stateSealer(NODE_KEY));
  const read = await readStateFile(dir, stateSealer(OTHER_NODE_KEY));
  expect(read).toMatchObject({ ok: true, unopened: 1 });
  if (!read.ok || !read.state) throw new Error("unreadable");
  expect(read.state.desired.map((f) => f.function.id)).toEqual(["f2"]);
  expect(read.state.serving.map((f) => f.function.id)).toEqual(["f2"]);
  // Without a sealer (no node key) the file is never written with a secret in it.
  await expect(writeStateFile(tempDir(), state([entry("f1", { API_KEY: VALUE })]), NO_SECRETS)).rejects.toThrow(
    "refusing to write secrets",
  );
  expect(await readStateFile(dir, NO_SECRETS)).toMatchObject({ ok: true, unopened: 1 });
});

test("a node whose state file had secrets it cannot open asks for a snapshot instead of resuming", async () => {
  const reconciler = { run: async () => ({ serving: new Map(), problems: [] }) } as unknown as Reconciler;
  const node = (dir: string, key: string) =>
    new EdgeNode({
      reconciler,
      cacheDir: dir,
      logger: createLogger("error"),
      report: () => {},
      pin: async () => {},
      observePass: () => {},
      sealer: stateSealer(key),
    });
  const dir = tempDir("secrets-state-");
  await writeStateFile(dir, state([entry("f1", { API_KEY: VALUE }), entry("f2")]), stateSealer(NODE_KEY));
  const same = node(dir, NODE_KEY);
  expect(await same.restore()).toBe(true);
  expect(same.resumePoint()).toEqual({ since: 7, history: "h1" });
  const other = node(dir, OTHER_NODE_KEY);
  expect(await other.restore()).toBe(true);
  expect(other.resumePoint()).toEqual({ since: 0, history: null });
  same.stop();
  other.stop();
});

test("the deployment: the guest's env is the function's env, then its secrets; a secret's change loads it again", () => {
  const plain = deploymentOf(entry("d1", undefined, { B: "2", A: "1" }))!;
  const one = deploymentOf(entry("d1", { Z_SECRET: VALUE, C: "3" }, { B: "2", A: "1" }))!;
  const two = deploymentOf(entry("d1", { Z_SECRET: `${VALUE}!`, C: "3" }, { B: "2", A: "1" }))!;
  const same = deploymentOf(entry("d1", { Z_SECRET: VALUE, C: "3" }, { B: "2", A: "1" }))!;
  expect(Object.keys(one.env)).toEqual(["B", "A", "Z_SECRET", "C"]);
  expect(one.env.Z_SECRET).toBe(VALUE);
  expect(new Set([plain.poolKey, one.poolKey, two.poolKey]).size).toBe(3);
  expect(same.poolKey).toBe(one.poolKey);
  expect(one.poolKey).not.toContain(VALUE);
});

test("the pool key (logged) is salted per process: another process keys the same deployment otherwise", async () => {
  const source = entry("d2", { Z_SECRET: VALUE });
  const script = `import { deploymentOf } from "./runner/edge/serving/deployment";
    console.log(deploymentOf(${JSON.stringify(source)}).poolKey);`;
  const child = Bun.spawn(["bun", "-e", script], { cwd: join(import.meta.dir, "..", ".."), stdout: "pipe" });
  const [other] = (await new Response(child.stdout).text()).trim().split("\n");
  expect(await child.exited).toBe(0);
  const mine = deploymentOf(source)!.poolKey;
  expect(other!.split(":")[0]).toBe(mine.split(":")[0]); // the same name@version
  expect(other).not.toBe(mine);
});
