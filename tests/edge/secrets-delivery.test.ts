// A secret set through the API reaches guests on an edge node, all real processes: an edge ABI
// module reads it with env_get, a WASI command finds it in its environ after the function's env;
// a change reaches them (the function loads again), a delete removes it. The node's state file
// holds it sealed, and a node restarted while the control plane is down still serves it. No
// value ever appears in the node's log or the control plane's, both at debug level.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { guest } from "../fixtures/guests";
import { startControlProcess, type ControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { putSecret, secretsKeyFile } from "../helpers/secrets";
import { type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { environModule, environOf } from "../wasi/environ-module";

const FIRST = "delivered-value-1c9e4f";
const SECOND = "delivered-value-2a7b30";
const ADDED = "delivered-value-added-88d1";
const DEBUG = ["--log-level", "debug"];
const cacheDir = tempDir("secrets-node-");
let control: ControlProcess;
let node: ServerProcess;
let edgeAt = "";
let wasiAt = "";
const logs: string[] = [];

/** What the env-get guest answers for `name`: "[value]", or "(unset)". */
const envGet = async (name: string) => (await fetch(`${node.url}/reader`, { method: "POST", body: name })).text();
const environ = async () => environOf(await fetch(`${node.url}/cgi/`));

beforeAll(async () => {
  control = await startControlProcess(tempDir("secrets-control-"), {
    extra: ["--secrets-key-file", secretsKeyFile()],
    logLevel: "debug",
  });
  const reader = await control.createFunction({ name: "reader", env: { PLAIN: "plain-env" } });
  await control.upload(reader.id, guest("env-get"));
  const cgi = await control.createFunction({ name: "cgi", runtime: "wasi", routes: ["/cgi/*"], env: { ZED: "z" } });
  await control.upload(cgi.id, environModule());
  edgeAt = `/api/v1/functions/${reader.id}`;
  wasiAt = `/api/v1/functions/${cgi.id}`;
  expect((await putSecret(control.api, edgeAt, "API_KEY", FIRST)).status).toBe(201);
  expect((await putSecret(control.api, wasiAt, "API_KEY", FIRST)).status).toBe(201);
  node = await startEdgeProcess(control.url, cacheDir, "secrets-node", DEBUG);
  await until("the node serves both functions", async () => (await envGet("API_KEY")) === `[${FIRST}]`);
}, 60_000);
afterAll(async () => {
  await Promise.all([node?.kill(), control?.kill()]);
});

test("the guest sees the secret like env: env_get, and WASI environ after the function's env", async () => {
  expect(await envGet("API_KEY")).toBe(`[${FIRST}]`);
  expect(await envGet("PLAIN")).toBe("[plain-env]");
  const env = await environ();
  expect(env.get("API_KEY")).toBe(FIRST);
  const names = [...env.keys()];
  // The CGI variables, the function's env (ZED), then its secrets.
  expect(names.indexOf("ZED")).toBeGreaterThan(names.indexOf("X_MATCHED_ROUTE"));
  expect(names.indexOf("API_KEY")).toBeGreaterThan(names.indexOf("ZED"));
});

test("a change reaches the guest as a new revision; a new secret too; a delete removes it", async () => {
  const before = await control.revision();
  expect((await putSecret(control.api, edgeAt, "API_KEY", SECOND, true)).status).toBe(200);
  expect((await putSecret(control.api, wasiAt, "API_KEY", SECOND)).status).toBe(200);
  expect((await putSecret(control.api, wasiAt, "ADDED", ADDED)).status).toBe(201);
  const after = await control.revision();
  expect(after).toBe(before + 3);
  await until("the node has the new revision", async () => (await control.nodes()).nodes[0]!.applied_revision >= after);
  expect(await envGet("API_KEY")).toBe(`[${SECOND}]`);
  const env = await environ();
  expect([env.get("API_KEY"), env.get("ADDED")]).toEqual([SECOND, ADDED]);

  expect((await control.api(`${wasiAt}/secrets/ADDED`, { method: "DELETE" })).status).toBe(204);
  const deleted = await control.revision();
  await until("the delete is applied", async () => (await control.nodes()).nodes[0]!.applied_revision >= deleted);
  expect((await environ()).has("ADDED")).toBe(false);
  expect((await environ()).get("API_KEY")).toBe(SECOND);
});

test("the state file holds the secrets sealed, and a node restarted without the control plane serves them", async () => {
  const state = readFileSync(join(cacheDir, "state.json"), "utf8");
  expect(state).toContain('"sealed_secrets"');
  expect(state).toContain("plain-env"); // the search sees what the file holds in clear
  for (const value of [FIRST, SECOND, ADDED]) expect(state).not.toContain(value);

  logs.push(...control.lines());
  await control.kill();
  logs.push(...node.lines());
  await node.kill();
  node = await startEdgeProcess(control.url, cacheDir, "secrets-node", DEBUG);
  expect(node.banner).toContain("restored");
  expect(await envGet("API_KEY")).toBe(`[${SECOND}]`);
  expect((await environ()).get("API_KEY")).toBe(SECOND);
  logs.push(...node.lines());
});

test("no value in any log line of the node or the control plane (debug level)", () => {
  const text = logs.join("\n");
  expect(text).toContain('"msg":"function loaded"'); // debug lines were there to look in
  expect(text).toContain("/secrets/API_KEY");
  for (const value of [FIRST, SECOND, ADDED]) expect(text).not.toContain(value);
});
