// Secrets in the change feed: a node's snapshot and changes carry each function's secrets opened
// (the only place a value leaves the control plane), a PUT or DELETE of one is a new revision of
// the function, a function without secrets has none in its entry, and deleting a function takes
// its secrets with it. And the store's bounds on a function's secrets.
import { Database } from "bun:sqlite";
import { SQL } from "bun";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { ChangesMessage, SnapshotMessage } from "../../core/contract";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { SqliteSecretStore } from "../../control/store/sqlite-secret-store";
import { functionSpec } from "../helpers/function-spec";
import { putSecret, SECRETS_KEY } from "../helpers/secrets";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tempDir } from "../helpers/temp-dir";
import { newKey, watch } from "../edge/watch-socket";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl({ secretsKey: SECRETS_KEY });
});
afterAll(() => control.stop());

test("a node's snapshot and changes carry the secrets opened; each PUT and DELETE is a revision", async () => {
  const keeper = await control.createFunction({ name: "holder", env: { E: "e" } });
  const other = await control.createFunction({ name: "bare" });
  const at = `/api/v1/functions/${keeper.id}`;
  await putSecret(control.api, at, "B_KEY", "value-b");
  await putSecret(control.api, at, "A_KEY", 'value "a"\n', true);

  const socket = await watch(control.url);
  socket.hello({ key: newKey() });
  const [snapshot] = (await socket.sequence()) as SnapshotMessage[];
  const byId = new Map(snapshot!.functions.map((f) => [f.function.id, f]));
  expect(byId.get(keeper.id)!.secrets).toEqual({ A_KEY: 'value "a"\n', B_KEY: "value-b" });
  expect(Object.keys(byId.get(keeper.id)!.secrets!)).toEqual(["A_KEY", "B_KEY"]);
  expect(byId.get(keeper.id)!.function.env).toEqual({ E: "e" });
  expect("secrets" in byId.get(other.id)!).toBe(false);

  const revision = snapshot!.revision;
  await putSecret(control.api, at, "B_KEY", "value-b2");
  const [changed] = (await socket.sequence()) as ChangesMessage[];
  expect(changed!.revision).toBe(revision + 1);
  expect(changed!.functions.map((f) => [f.function.id, f.revision, f.secrets])).toEqual([
    [keeper.id, revision + 1, { A_KEY: 'value "a"\n', B_KEY: "value-b2" }],
  ]);
  await control.api(`${at}/secrets/A_KEY`, { method: "DELETE" });
  await control.api(`${at}/secrets/B_KEY`, { method: "DELETE" });
  // One sequence or two, as the pushes fall: the last entry is the function after both.
  const after: ChangesMessage["functions"] = [];
  while (after.at(-1)?.revision !== revision + 3)
    after.push(...(await socket.sequence()).flatMap((m) => (m as ChangesMessage).functions));
  expect(after.at(-1)!.revision).toBe(revision + 3);
  expect("secrets" in after.at(-1)!).toBe(false);
  socket.close();
});

test("deleting a function deletes its secrets", async () => {
  const fn = await control.createFunction({ name: "doomed" });
  await putSecret(control.api, `/api/v1/functions/${fn.id}`, "K", "v");
  expect((await control.api(`/api/v1/functions/${fn.id}`, { method: "DELETE" })).status).toBe(204);
  if (control.databaseUrl) {
    const sql = new SQL(control.databaseUrl);
    expect(await sql`SELECT COUNT(*)::int AS n FROM secrets WHERE function_id = ${fn.id}`).toEqual([{ n: 0 }]);
    await sql.close();
  } else {
    const db = new Database(join(control.dataDir, "metadata.sqlite"), { readonly: true });
    expect(db.query("SELECT COUNT(*) AS n FROM secrets WHERE function_id = ?").get(fn.id)).toEqual({ n: 0 });
    db.close();
  }
});

test("the store: at most `entries` secrets and `jsonBytes` of them as JSON per function; a replaced one counts once", async () => {
  const path = join(tempDir("secrets-store-"), "metadata.sqlite");
  const metadata = new SqliteMetadataStore(path);
  const secrets = new SqliteSecretStore(path);
  const created = await metadata.createFunction(functionSpec("bounded", { env: { TAKEN: "x" } }));
  if (!created.ok) throw new Error("create");
  const id = created.value.id;
  const limits = { entries: 2, jsonBytes: 40 };
  const sealed = new Uint8Array([1, 2, 3]);
  // {"A":"0123456789"} is 18 bytes; the entry alone 16.
  expect((await secrets.put(id, "A", sealed, 16, limits)).ok).toBe(true);
  expect((await secrets.put(id, "A", sealed, 16, limits)).ok).toBe(true);
  expect((await secrets.put(id, "B", sealed, 16, limits)).ok).toBe(true); // 2 + 16 + 1 + 16 = 35
  expect(await secrets.put(id, "C", sealed, 1, limits)).toEqual({
    ok: false,
    reason: "too_many",
    entries: 3,
    jsonBytes: 37,
  });
  expect(await secrets.put(id, "B", sealed, 22, limits)).toEqual({
    ok: false,
    reason: "too_many",
    entries: 2,
    jsonBytes: 41,
  });
  expect(await secrets.put(id, "TAKEN", sealed, 1, limits)).toEqual({ ok: false, reason: "env_has_key", key: "TAKEN" });
  expect(await secrets.put("missing", "A", sealed, 1, limits)).toEqual({ ok: false, reason: "not_found" });
  expect(await secrets.count()).toEqual({ secrets: 2, functions: 1 });
  expect(await metadata.updateFunction(id, { env: { B: "x" } })).toEqual({
    ok: false,
    reason: "secret_name_taken",
    key: "B",
  });
  secrets.close();
  metadata.close();
});
