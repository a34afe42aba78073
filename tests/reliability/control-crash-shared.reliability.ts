// The kill -9 scenario of control-crash.reliability.ts on the shared configuration: metadata in
// PostgreSQL, artifacts in an S3-compatible server (s3rver), the control plane killed -9 at
// random moments during uploads and started again. After it every acknowledged upload is there
// with its hash, versions are 1..N, every version's bytes hash to its row, every object a version
// refers to is named by the hash of its bytes, and no staging file is left in the data dir. An
// object published by an upload the kill cut before its commit stays until the sweep's margin
// (an hour: another replica may be between its publish and its commit) has passed: counted.
import { afterAll, expect } from "bun:test";
import { S3Client } from "bun";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { n, report } from "./helpers/report";
import { survivors, uploadThroughKills } from "./helpers/uploads-through-kills";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { freshSchema, postgresSuite } from "../helpers/postgres";
import { startS3Server } from "../helpers/s3-server";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";

const KILLS = 12;
const UPLOADERS = 4;

const { base, run } = await postgresSuite();
let control: ControlProcess | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  await control?.stop("SIGKILL");
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

run(
  `kill -9 of a control plane on PostgreSQL + S3 during uploads, ${KILLS} times: every acknowledged upload survives`,
  async () => {
    const schema = await freshSchema(base!);
    cleanups.push(() => schema.drop());
    const s3 = await startS3Server();
    cleanups.push(() => s3.stop());
    const env = { EDGE_CONTROL_DATABASE_URL: schema.url, ...s3.controlEnv("crash") };
    const dataDir = tempDir("rel-crash-shared-");
    const start = async () => (control = await startControlProcess(dataDir, { env }));
    await start();
    const functionIds: string[] = [];
    for (const name of ["crash-a", "crash-b", "crash-c"])
      functionIds.push((await control!.createFunction({ name })).id);
    await control!.stop("SIGTERM");

    const { acked, sent, cut, refused, killDelays } = await uploadThroughKills(start, functionIds, KILLS, UPLOADERS);
    await start();
    const { versionsOf, missing, badRows, rows } = await survivors(control!, functionIds, acked);
    await control!.stop("SIGTERM");

    // The bucket: every object is named by the hash of its bytes; those no row refers to are counted.
    const client = new S3Client({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      region: s3.region,
    });
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.list({ prefix: "crash/sha256/", continuationToken: token });
      keys.push(...(page.contents ?? []).map((object) => object.key));
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    const referenced = new Set([...versionsOf.values()].flat().map((v) => v.sha256));
    const partial: string[] = [];
    for (const key of keys) if (sha256(await client.file(key).bytes()) !== key.split("/").pop()) partial.push(key);
    // s3rver writes a PUT in place, so a PUT the kill cut leaves its first bytes (S3 itself would
    // keep nothing). No version may refer to such an object: a later publish of those bytes
    // replaces it (s3-artifact-store.ts), and the sweep removes it after its hour.
    const partialReferenced = partial.filter((key) => referenced.has(key.split("/").pop()!));
    const unreferenced = keys.filter((key) => !referenced.has(key.split("/").pop()!));
    const leftovers = readdirSync(join(dataDir, "tmp"));

    console.log(
      `${KILLS} kills at ${killDelays.join(", ")} ms: ${n(sent)} uploads sent, ${n(acked.length)} acknowledged, ${cut} cut, ${refused} refused; ` +
        `after restart ${rows} versions, ${keys.length} objects; missing ${missing.length}, bad rows ${badRows.length}, ` +
        `partial objects ${partial.length} (${partialReferenced.length} referenced), unreferenced objects ${unreferenced.length} (kept for the sweep's hour), staging files ${leftovers.length}`,
    );
    report({
      scenario: "Control plane kill -9, PostgreSQL + S3",
      tried: `${KILLS} kill -9 of a control plane on PostgreSQL + S3 (s3rver) at random moments (50-500 ms) while ${UPLOADERS} clients upload 1 KiB-1 MiB modules`,
      amount: `${n(sent)} uploads: ${n(acked.length)} acknowledged, ${cut} cut by a kill; ${rows} versions and ${keys.length} objects after restart`,
      lost: `${missing.length} acknowledged uploads, ${badRows.length} rows without their artifact, ${partialReferenced.length} partial objects a version refers to (${partial.length} cut PUTs left by s3rver, unreferenced), ${leftovers.length} staging files (${unreferenced.length} unreferenced objects of cut uploads wait for the sweep's hour)`,
    });

    expect(missing).toEqual([]);
    expect(badRows).toEqual([]);
    expect(partialReferenced).toEqual([]);
    expect(leftovers).toEqual([]);
    expect(unreferenced.length).toBeLessThanOrEqual(cut); // only uploads a kill cut between publish and commit
    expect(refused).toBe(0);
    expect(cut).toBeGreaterThanOrEqual(KILLS);
    expect(acked.length).toBeGreaterThan(KILLS);
  },
  180_000,
);
