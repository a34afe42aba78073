// The sweep of unreferenced artifacts with two control planes on one bucket (two S3 stores on
// one prefix, one metadata store, as with PostgreSQL): with olderThan, what one replica has just
// published and not yet recorded survives the other's sweep; what no version refers to and is
// older goes; what a version refers to stays.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { FileArtifactStore } from "../../control/store/file-artifact-store";
import { openArtifactStore, SHARED_SWEEP_MARGIN_MS, sweepOptions } from "../../control/store/open-artifact-store";
import { S3ArtifactStore } from "../../control/store/s3-artifact-store";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { sweepUnreferenced } from "../../control/store/sweep";
import { functionSpec } from "../helpers/function-spec";
import { startS3Server, type S3Server } from "../helpers/s3-server";
import { tempDir } from "../helpers/temp-dir";

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3.stop());

test("a sweep with olderThan keeps what another replica just published; without it, and past it, orphans go", async () => {
  const options = {
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  };
  const open = () => S3ArtifactStore.open({ bucket: s3.bucket, prefix: "shared" }, options, tempDir("edge-s3-"));
  const [publisher, sweeper] = [await open(), await open()];
  const metadata = new SqliteMetadataStore(":memory:");
  const fn = await metadata.createFunction(functionSpec("swept"));
  if (!fn.ok) throw new Error("create");
  const publish = async (text: string) => {
    const staged = await publisher.stage();
    await staged.write(new TextEncoder().encode(text));
    return staged.publish();
  };
  const recorded = await publish("recorded");
  await metadata.addVersion(fn.value.id, recorded, true);
  const pending = await publish("published, not yet recorded");

  const hourAgo = new Date(Date.now() - 3_600_000);
  expect(await sweepUnreferenced(metadata, sweeper, { olderThan: hourAgo })).toEqual([]);
  expect(await sweeper.list()).toEqual([recorded.sha256, pending.sha256].sort());

  // An hour on, the pending one was never recorded (its replica crashed): it goes.
  const hourOn = new Date(Date.now() + 3_600_000);
  expect(await sweepUnreferenced(metadata, sweeper, { olderThan: hourOn })).toEqual([pending.sha256]);
  expect(await publisher.list()).toEqual([recorded.sha256]);
  metadata.close();
});

test("openArtifactStore: files without a location, S3 from the environment's settings; the sweep's margin on S3 only", async () => {
  const dataDir = tempDir("edge-open-");
  expect(await openArtifactStore({ kind: "files" }, dataDir, {})).toBeInstanceOf(FileArtifactStore);
  const env = {
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
  const location = { kind: "s3" as const, bucket: s3.bucket, prefix: "opened" };
  const store = await openArtifactStore(location, dataDir, env);
  expect(store).toBeInstanceOf(S3ArtifactStore);
  const staged = await store.stage();
  expect(readdirSync(join(dataDir, "tmp"))).toHaveLength(1);
  await staged.discard();
  const now = new Date();
  expect(sweepOptions({ kind: "files" }, now)).toEqual({});
  expect(sweepOptions(location, now)).toEqual({ olderThan: new Date(now.getTime() - SHARED_SWEEP_MARGIN_MS) });
});
