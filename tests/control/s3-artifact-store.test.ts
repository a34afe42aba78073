// The S3 artifact store against a real S3-compatible server (s3rver, tests/helpers/s3-server.ts):
// the contract every backend keeps, then what only S3 has: the object layout, nothing in the
// bucket before publish, paged listings, presigned URLs, and a failing store as 503's failure kind.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { S3Client } from "bun";
import { storageError } from "../../control/errors";
import type { S3Options } from "../../control/store/artifacts-location";
import { S3ArtifactStore } from "../../control/store/s3-artifact-store";
import { StoreUnavailable, storageFailure } from "../../control/store/storage-errors";
import { artifactStoreContract } from "./artifact-store.contract";
import { startS3Server, type S3Server } from "../helpers/s3-server";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";

let s3: S3Server;
let options: S3Options;
let bucket: S3Client;
beforeAll(async () => {
  s3 = await startS3Server();
  options = {
    endpoint: s3.endpoint,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  };
  bucket = new S3Client({ ...options, bucket: s3.bucket });
});
afterAll(() => s3.stop());

/** A store on a prefix of its own: tests share the bucket, never the keys. */
const open = (prefix = `t/${crypto.randomUUID()}`, staging = tempDir("edge-s3-staging-"), pageSize?: number) =>
  S3ArtifactStore.open({ bucket: s3.bucket, prefix }, options, staging, { pageSize });
const keysUnder = async (prefix: string) =>
  ((await bucket.list({ prefix })).contents ?? []).map((object) => object.key).sort();
const bytesOf = (text: string) => new TextEncoder().encode(text);

async function put(store: S3ArtifactStore, bytes: Uint8Array) {
  const staged = await store.stage();
  await staged.write(bytes);
  return staged.publish();
}

artifactStoreContract("s3", async () => ({ store: await open(), cleanup: () => {} }));

test("s3: objects are <prefix>/sha256/<hex>, application/wasm; staging holds only uploads in flight", async () => {
  const staging = tempDir("edge-s3-staging-");
  const store = await open("edge/artifacts", staging);
  const bytes = bytesOf("module bytes for the layout");
  const staged = await store.stage();
  await staged.write(bytes);
  expect(readdirSync(staging)).toHaveLength(1);
  await staged.publish();
  expect(readdirSync(staging)).toEqual([]);
  expect(await keysUnder("edge/")).toEqual([`edge/artifacts/sha256/${sha256(bytes)}`]);
  expect((await bucket.stat(`edge/artifacts/sha256/${sha256(bytes)}`)).type).toBe("application/wasm");
  const top = await open("");
  await put(top, bytes);
  expect(await bucket.exists(`sha256/${sha256(bytes)}`)).toBe(true);
});

test("s3: an upload discarded, or never published, leaves nothing in the bucket; the next open empties staging", async () => {
  const prefix = `t/${crypto.randomUUID()}`;
  const staging = tempDir("edge-s3-staging-");
  const store = await open(prefix, staging);
  const discarded = await store.stage();
  await discarded.write(bytesOf("rejected by the checks"));
  await discarded.finish();
  await discarded.discard();
  const interrupted = await store.stage();
  await interrupted.write(bytesOf("half an upl"));
  expect(await keysUnder(`${prefix}/`)).toEqual([]);
  expect(readdirSync(staging)).toHaveLength(1); // the interrupted one, as after a crash
  await open(prefix, staging);
  expect(readdirSync(staging)).toEqual([]);
  expect(await keysUnder(`${prefix}/`)).toEqual([]);
  await interrupted.discard(); // closes its file (the crash did not)
});

test("s3: the same bytes published twice, by two stores on one bucket, are one object", async () => {
  const prefix = `t/${crypto.randomUUID()}`;
  const [a, b] = [await open(prefix), await open(prefix)];
  const bytes = bytesOf("shared by two replicas");
  expect(await put(a, bytes)).toEqual(await put(b, bytes));
  await put(a, bytes);
  expect(await keysUnder(`${prefix}/`)).toEqual([`${prefix}/sha256/${sha256(bytes)}`]);
  expect(a.stats()).toEqual({ count: 1, bytes: bytes.length });
  expect(b.stats()).toEqual({ count: 0, bytes: 0 }); // it saw the object there already
  await b.recount();
  expect(b.stats()).toEqual({ count: 1, bytes: bytes.length });
});

test("s3: an object of the wrong size at the key (a PUT cut off on a server without atomic PUTs) is replaced, not trusted", async () => {
  const prefix = `t/${crypto.randomUUID()}`;
  const store = await open(prefix);
  const bytes = bytesOf("the whole module, not its first bytes");
  await bucket.write(`${prefix}/sha256/${sha256(bytes)}`, bytes.subarray(0, 9));
  await put(store, bytes);
  expect(new Uint8Array(await (await store.get(sha256(bytes)))!.arrayBuffer())).toEqual(bytes);
});

test("s3: listings and the count at open read every page; keys that are not artifacts are skipped", async () => {
  const prefix = `t/${crypto.randomUUID()}`;
  const store = await open(prefix, undefined, 2);
  const hashes: string[] = [];
  for (let i = 0; i < 5; i++) hashes.push((await put(store, bytesOf(`artifact ${i}`))).sha256);
  await bucket.write(`${prefix}/sha256/not-a-hash`, "x");
  await bucket.write(`${prefix}/elsewhere`, "x");
  expect(await store.list()).toEqual(hashes.sort());
  expect((await open(prefix, undefined, 2)).stats()).toEqual({ count: 5, bytes: 5 * "artifact 0".length });
});

test("s3: a presigned URL gets the bytes with no credentials; malformed hashes get none", async () => {
  const store = await open();
  const bytes = bytesOf("fetched from the bucket directly");
  const { sha256: hash } = await put(store, bytes);
  const url = store.presign(hash, 300)!;
  expect(url).toContain("X-Amz-Expires=300");
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  expect(store.presign("../../etc/passwd", 300)).toBeNull();
});

test("s3: a store that is down, or refuses the credentials, fails with the 503 storage failure", async () => {
  const other = await startS3Server("going-away");
  const config = { ...options, endpoint: other.endpoint };
  const store = await S3ArtifactStore.open({ bucket: other.bucket, prefix: "" }, config, tempDir("edge-s3-staging-"));
  const { sha256: hash } = await put(store, bytesOf("stored before the outage"));
  await other.stop();
  const failures = [
    () => store.get(hash),
    () => store.list(),
    () => store.delete(hash),
    () => put(store, bytesOf("during the outage")),
    () => S3ArtifactStore.open({ bucket: other.bucket, prefix: "" }, config, tempDir("edge-s3-staging-")),
    () =>
      S3ArtifactStore.open({ bucket: s3.bucket, prefix: "" }, { ...options, accessKeyId: "WRONG" }, tempDir("edge-")),
    () => S3ArtifactStore.open({ bucket: "no-such-bucket", prefix: "" }, options, tempDir("edge-s3-staging-")),
  ];
  for (const failure of failures) {
    const error = await failure().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect(storageFailure(error)).toBe("unavailable");
    expect(storageError(error)).toMatchObject({ status: 503, code: "storage_unavailable" });
    expect(String((error as Error).message)).not.toContain(options.secretAccessKey!);
  }
});
