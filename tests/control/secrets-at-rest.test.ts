// Secrets at rest, with the control plane as a real process: the SQLite file (and its WAL) never
// holds a value in clear, nor does the control plane's log (debug level, error paths included);
// a restart needs the key they were sealed with (a wrong key, none, or a sealed value moved to
// another secret is a one-line refusal to start); and the key's own configuration rules.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { loadControlConfig } from "../../control/config";
import { CONTROL_TOKENS } from "../helpers/control-api";
import { controlArgs, startControlProcess, type ControlProcess } from "../helpers/control-process";
import {
  filesContaining,
  OTHER_SECRETS_KEY,
  putSecret,
  SECRETS_KEY,
  secretsKeyFile,
  sqliteFiles,
} from "../helpers/secrets";
import { runToExit } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";

const VALUES = ["at-rest-value-7d1e0c", "at-rest-value-second-93ab", "at-rest-value-deleted-5f2a"];
const dataDir = tempDir("secrets-at-rest-");
const keyFile = secretsKeyFile();
const withKey = (file = keyFile) => ({ extra: ["--secrets-key-file", file], logLevel: "debug" });
let control: ControlProcess | null = null;
afterAll(() => control?.kill());

test("the store and the log never hold a value in clear (refused requests included); names and sealed values are there", async () => {
  control = await startControlProcess(dataDir, withKey());
  const fn = await control.createFunction({ name: "vault" });
  const at = `/api/v1/functions/${fn.id}`;
  expect((await putSecret(control.api, at, "API_KEY", VALUES[0]!)).status).toBe(201);
  expect((await putSecret(control.api, at, "SECOND", VALUES[1]!, true)).status).toBe(201);
  expect((await putSecret(control.api, at, "DELETED", VALUES[2]!)).status).toBe(201);
  expect((await control.api(`${at}/secrets/DELETED`, { method: "DELETE" })).status).toBe(204);
  // Refused requests carrying a value: malformed JSON, too long, a name taken by env.
  const json = { "content-type": "application/json" };
  await control.api(`${at}/secrets/BAD`, { method: "PUT", headers: json, body: `{"value": "${VALUES[0]}` });
  await control.api(`${at}/secrets/LONG`, { method: "PUT", body: VALUES[0]!.repeat(1000) });
  await control.patch(fn.id, { env: { PLAIN: "visible-env-value" } });
  await putSecret(control.api, at, "PLAIN", VALUES[1]!);

  const db = join(dataDir, "metadata.sqlite");
  const whileRunning = sqliteFiles(db);
  expect(whileRunning.length).toBeGreaterThan(1);
  // The search sees what is stored in clear: a secret's name and an env value are there.
  expect(filesContaining(whileRunning, "SECOND").length).toBeGreaterThan(0);
  expect(filesContaining(whileRunning, "visible-env-value").length).toBeGreaterThan(0);
  for (const value of VALUES) expect(filesContaining(whileRunning, value)).toEqual([]);
  expect(await control.stop()).toBe(0);
  // The log at debug level: every request line, refusals included, and never a value.
  const log = control.lines().join("\n");
  control = null;
  expect(log).toContain(`${at}/secrets/API_KEY`);
  expect(log.match(/"msg":"request"/g)?.length).toBeGreaterThanOrEqual(9);
  for (const value of VALUES) expect(log).not.toContain(value);
  expect(filesContaining(sqliteFiles(db), "SECOND").length).toBeGreaterThan(0);
  for (const value of VALUES) expect(filesContaining(sqliteFiles(db), value)).toEqual([]);

  const sealed = new Database(db, { readonly: true });
  const rows = sealed.query("SELECT key, length(sealed) AS size FROM secrets ORDER BY key").all();
  sealed.close();
  // format (1) + IV (12) + ciphertext (the value's length) + tag (16)
  expect(rows).toEqual([
    { key: "API_KEY", size: 29 + VALUES[0]!.length },
    { key: "SECOND", size: 29 + VALUES[1]!.length },
  ]);
});

test("a restart needs the key the secrets were sealed with: else one line, exit 1", async () => {
  const start = (extra: string[]) => runToExit(controlArgs(dataDir, { extra }), CONTROL_TOKENS);
  const wrong = await start(["--secrets-key-file", secretsKeyFile(OTHER_SECRETS_KEY)]);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr.trim().split("\n")).toEqual([
    "control: cannot start: the secrets key given does not open 2 of the 2 stored secrets: it is not the key they were sealed with; start with that key",
  ]);
  const none = await start([]);
  expect(none.code).toBe(1);
  expect(none.stderr.trim()).toBe(
    "control: cannot start: the store holds 2 secrets of 1 function, sealed with a key: give it with --secrets-key-file FILE (or EDGE_CONTROL_SECRETS_KEY_FILE)",
  );
  control = await startControlProcess(dataDir, withKey());
  const list = (await (await control.api("/api/v1/functions/by-name/vault/secrets")).json()) as {
    secrets: { key: string }[];
  };
  expect(list.secrets.map((s) => s.key)).toEqual(["API_KEY", "SECOND"]);
  await control.stop();
  control = null;
});

test("a sealed value moved onto another secret does not open: the start is refused", async () => {
  const db = new Database(join(dataDir, "metadata.sqlite"));
  db.exec("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE key = 'SECOND') WHERE key = 'API_KEY'");
  db.close();
  const moved = await runToExit(controlArgs(dataDir, { extra: ["--secrets-key-file", keyFile] }), CONTROL_TOKENS);
  expect(moved.code).toBe(1);
  expect(moved.stderr).toContain("does not open 1 of the 2 stored secrets");
});

test("the key: hex or base64 of 32 bytes, from a file or the environment, never argv; a bad one is named, never shown", () => {
  const load = (argv: string[], env: Record<string, string> = {}) =>
    loadControlConfig(argv, { ...CONTROL_TOKENS, ...env });
  expect(load(["--secrets-key-file", keyFile])).toMatchObject({ ok: true, config: { secretsKey: SECRETS_KEY } });
  const base64 = Buffer.from(SECRETS_KEY, "hex").toString("base64");
  expect(load(["--secrets-key-file", secretsKeyFile(base64)]).ok).toBe(true);
  expect(load([], { EDGE_CONTROL_SECRETS_KEY: base64.replace(/=$/, "") }).ok).toBe(true);
  const short = secretsKeyFile("abc123-not-a-key");
  const refused = load(["--secrets-key-file", short]);
  expect(refused).toEqual({
    ok: false,
    message: `invalid secrets key from --secrets-key-file ${short}: it must be 32 random bytes as hex or base64, in a file only the control plane's user can read: openssl rand -hex 32 > secrets.key && chmod 600 secrets.key`,
  });
  expect(load(["--secrets-key-file", secretsKeyFile(SECRETS_KEY.slice(2))]).ok).toBe(false);
  const argv = load(["--secrets-key", SECRETS_KEY]);
  expect(argv.ok).toBe(false);
  expect(JSON.stringify(argv)).toContain("--secrets-key-file FILE");
  expect(JSON.stringify(argv)).not.toContain(SECRETS_KEY);
});
