// Control planes on one database must share where artifacts are: the first records it, one
// configured otherwise does not start (it would answer 500 artifact_missing for what the others
// uploaded), and says which setting to fix.
import { afterAll, expect } from "bun:test";
import { freshSchema, type TestSchema, postgresSuite } from "../../helpers/postgres";
import { startS3Server } from "../../helpers/s3-server";
import { startTestControl, type TestControl } from "../../helpers/test-control";

const { base, run } = await postgresSuite();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function schema(): Promise<TestSchema> {
  const made = await freshSchema(base!);
  cleanups.push(() => made.drop());
  return made;
}
const started = (control: TestControl) => (cleanups.push(() => control.stop()), control);

// The replica that holds the files starts again on its data dir: migrate.test.ts (the control
// plane started on the data dir `control migrate` recorded).
run("a second replica with files in its own data dir is refused at start", async () => {
  const { url } = await schema();
  started(await startTestControl({ databaseUrl: url }));
  await expect(startTestControl({ databaseUrl: url })).rejects.toThrow(
    /this database's artifacts are kept in files in the data dir of replica [0-9a-f-]{36}, and this control plane would keep them in files in the data dir of replica [0-9a-f-]{36}: give every control plane on one database the same --artifacts/,
  );
});

run("replicas on one bucket and prefix start; another prefix, or files, is refused", async () => {
  const { url } = await schema();
  const s3 = await startS3Server();
  cleanups.push(() => s3.stop());
  const shared = { environment: { ...process.env, ...s3.controlEnv("one") } };
  const artifacts = s3.controlEnv("one").EDGE_CONTROL_ARTIFACTS;
  started(await startTestControl({ databaseUrl: url, artifacts }, undefined, shared));
  started(await startTestControl({ databaseUrl: url, artifacts }, undefined, shared));
  await expect(
    startTestControl({ databaseUrl: url, artifacts: s3.controlEnv("two").EDGE_CONTROL_ARTIFACTS }, undefined, shared),
  ).rejects.toThrow(`this database's artifacts are kept in ${artifacts}, and this control plane would keep them in`);
  await expect(startTestControl({ databaseUrl: url }, undefined, shared)).rejects.toThrow(
    `this database's artifacts are kept in ${artifacts}, and this control plane would keep them in files in the data dir of replica`,
  );
});
