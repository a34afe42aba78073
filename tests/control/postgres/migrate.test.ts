// `bun run control migrate`: an embedded installation (SQLite + files, a real control plane
// process, stopped) moved into PostgreSQL: same ids, versions, artifacts and sealed secrets;
// idempotent; a corrupt artifact keeps its function out, and says so.
import { afterAll, expect } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validModule } from "../../fixtures/guests";
import { CONTROL_MAIN, startControlProcess } from "../../helpers/control-process";
import { freshSchema, type TestSchema, postgresSuite } from "../../helpers/postgres";
import { putSecret, secretsKeyFile } from "../../helpers/secrets";
import { startS3Server } from "../../helpers/s3-server";
import { cleanEnv } from "../../helpers/server-process";
import { sha256 } from "../../helpers/sha256";
import { tempDir } from "../../helpers/temp-dir";

const { base, run } = await postgresSuite();
const schemas: TestSchema[] = [];
afterAll(async () => {
  for (const schema of schemas) await schema.drop();
});

async function migrateCommand(from: string, databaseUrl: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn(["bun", CONTROL_MAIN, "migrate", "--from", from, "--log-level", "error"], {
    env: cleanEnv({ EDGE_CONTROL_DATABASE_URL: databaseUrl, ...env }),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stderr, report: stdout.trim() ? JSON.parse(stdout) : null };
}

/** An embedded control plane with two functions (one with two versions and a secret), stopped. */
async function embedded() {
  const dataDir = tempDir("edge-migrate-");
  const keyFile = secretsKeyFile();
  const control = await startControlProcess(dataDir, { extra: ["--secrets-key-file", keyFile] });
  const a = await control.createFunction({ name: "alpha", env: { MODE: "x" } });
  const b = await control.createFunction({ name: "beta", routes: ["/beta/*"] });
  await control.upload(a.id, validModule("a1"));
  await control.upload(a.id, validModule("a2"), false);
  await control.upload(b.id, validModule("b1"));
  expect((await putSecret(control.api, `/api/v1/functions/${a.id}`, "TOKEN", "s3cret")).status).toBe(201);
  await control.stop();
  return { dataDir, keyFile, a, b };
}

run("functions, versions, artifacts and secrets move with their ids; a second run imports nothing new", async () => {
  const { dataDir, keyFile, a, b } = await embedded();
  const schema = await freshSchema(base!);
  schemas.push(schema);
  const first = await migrateCommand(dataDir, schema.url);
  expect(first.stderr).toBe("");
  expect([first.code, first.report]).toEqual([
    0,
    {
      functions: { imported: 2, present: 0, refused: 0 },
      versions: 3,
      artifacts: { verified: 3, copied: 0 },
      nodes: { imported: 0, present: 0 },
      problems: [],
    },
  ]);
  const again = await migrateCommand(dataDir, schema.url);
  expect([again.code, again.report.functions, again.report.versions]).toEqual([
    0,
    { imported: 0, present: 2, refused: 0 },
    0,
  ]);

  // The control plane on PostgreSQL, on the same data dir (the artifacts stay there).
  const moved = await startControlProcess(dataDir, {
    extra: ["--secrets-key-file", keyFile],
    env: { EDGE_CONTROL_DATABASE_URL: schema.url },
  });
  const alpha = (await (await moved.api(`/api/v1/functions/${a.id}`)).json()) as Record<string, unknown>;
  expect(alpha).toMatchObject({ id: a.id, name: "alpha", env: { MODE: "x" }, active_version: 1 });
  const versions = (await (await moved.api(`/api/v1/functions/${a.id}/versions`)).json()) as {
    versions: { version: number; sha256: string }[];
  };
  expect(versions.versions.map((v) => [v.version, v.sha256])).toEqual([
    [1, sha256(validModule("a1"))],
    [2, sha256(validModule("a2"))],
  ]);
  const bytes = new Uint8Array(await (await moved.api(`/api/v1/artifacts/${b.id}/1`)).arrayBuffer());
  expect(sha256(bytes)).toBe(sha256(validModule("b1")));
  const secrets = (await (await moved.api(`/api/v1/functions/${a.id}/secrets`)).json()) as {
    secrets: { key: string }[];
  };
  expect(secrets.secrets.map((s) => s.key)).toEqual(["TOKEN"]);
  await moved.stop();
});

run(
  "--artifacts s3://...: every artifact is copied into the bucket; a replica with its own data dir serves them",
  async () => {
    const { dataDir, keyFile, a } = await embedded();
    const schema = await freshSchema(base!);
    schemas.push(schema);
    const s3 = await startS3Server();
    const env = s3.controlEnv("moved");
    const result = await migrateCommand(dataDir, schema.url, env);
    expect([result.code, result.report.artifacts]).toEqual([0, { verified: 3, copied: 3 }]);
    expect((await migrateCommand(dataDir, schema.url, env)).report.artifacts).toEqual({ verified: 3, copied: 0 });
    const elsewhere = await startControlProcess(tempDir("edge-migrated-"), {
      extra: ["--secrets-key-file", keyFile],
      env: { EDGE_CONTROL_DATABASE_URL: schema.url, ...env },
    });
    const bytes = new Uint8Array(await (await elsewhere.api(`/api/v1/artifacts/${a.id}/2`)).arrayBuffer());
    expect(sha256(bytes)).toBe(sha256(validModule("a2")));
    await elsewhere.stop();
    await s3.stop();
  },
);

run("an artifact whose bytes no longer match its hash keeps its function out, named on stderr, exit 1", async () => {
  const { dataDir, b } = await embedded();
  const shard = join(dataDir, "artifacts", sha256(validModule("b1")).slice(0, 2));
  const [name] = readdirSync(shard).filter((file) => file === sha256(validModule("b1")));
  writeFileSync(join(shard, name!), "corrupted");
  const schema = await freshSchema(base!);
  schemas.push(schema);
  const result = await migrateCommand(dataDir, schema.url);
  expect(result.code).toBe(1);
  expect(result.report.functions).toEqual({ imported: 1, present: 0, refused: 1 });
  expect(result.stderr).toContain(`function "beta" (${b.id}) not imported: missing or corrupt artifact of version 1`);
});

run("--database-url with a password on the command line is refused", async () => {
  const proc = Bun.spawnSync(
    ["bun", CONTROL_MAIN, "migrate", "--from", tempDir(), "--database-url", "postgres://u:hunter2@127.0.0.1/db"],
    { env: cleanEnv() },
  );
  expect(proc.exitCode).toBe(1);
  expect(proc.stderr.toString()).toContain("carries a password");
  expect(proc.stderr.toString()).not.toContain("hunter2");
});
