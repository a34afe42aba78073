// Two control planes on one PostgreSQL and one S3 server, as real processes, and two edge nodes,
// each following a different replica. A function registered on A, uploaded on B and activated on
// A is served by both nodes; a deploy through A reaches the node on B. Then A is killed -9 during
// a stream of uploads: every upload A acknowledged is intact on B (listed with its hash, its
// bytes hash to it), the node on A fails over to B, and a deploy through B reaches both nodes.
import { afterAll, expect } from "bun:test";
import { textModule } from "../fixtures/guests";
import { allVersions, TOKEN } from "../helpers/control-api";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { body } from "../helpers/fetch-text";
import { metric } from "../helpers/metrics-text";
import { freshSchema, postgresSuite } from "../helpers/postgres";
import { startS3Server } from "../helpers/s3-server";
import type { ServerProcess } from "../helpers/server-process";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

const { base, run } = await postgresSuite();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function upload(url: string, id: string, bytes: Uint8Array, activate: boolean) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "m.wasm");
  const response = await fetch(`${url}/api/v1/functions/${id}/upload?activate=${activate}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: form,
  });
  if (response.status !== 201) return null;
  return (await response.json()) as { version: number; sha256: string };
}

run(
  "two replicas on one PostgreSQL and one bucket: deploys reach every node; kill -9 of one loses no acknowledged upload, and its node fails over",
  async () => {
    const schema = await freshSchema(base!);
    cleanups.push(() => schema.drop());
    const s3 = await startS3Server();
    cleanups.push(() => s3.stop());
    const env = { EDGE_CONTROL_DATABASE_URL: schema.url, ...s3.controlEnv("replicas") };
    const replica = async () => {
      const proc = await startControlProcess(tempDir("edge-replica-"), { env });
      cleanups.push(() => proc.kill());
      return proc;
    };
    const [a, b]: ControlProcess[] = [await replica(), await replica()];
    const node = async (urls: string[], id: string) => {
      const proc = await startEdgeProcess(urls.join(","), tempDir("edge-replica-node-"), id, ["--workers", "1"]);
      cleanups.push(() => proc.kill());
      return proc;
    };
    const onA: ServerProcess = await node([a.url, b.url], "node-on-a");
    const onB: ServerProcess = await node([b.url], "node-on-b");

    const fn = await a.createFunction({ name: "shared" });
    const v1 = await b.upload(fn.id, textModule("v1"), false);
    await a.activate(fn.id, v1.version);
    expect((await (await b.api(`/api/v1/functions/${fn.id}`)).json()) as object).toMatchObject({ active_version: 1 });
    for (const n of [onA, onB]) await until(`v1 on ${n.url}`, async () => (await body(`${n.url}/shared`)) === "200 v1");
    await a.upload(fn.id, textModule("v2"));
    for (const n of [onA, onB]) await until(`v2 on ${n.url}`, async () => (await body(`${n.url}/shared`)) === "200 v2");

    // A stream of uploads through A, then kill -9 of A in the middle of it.
    const acked: { version: number; sha256: string; text: string }[] = [];
    let running = true;
    let sent = 0;
    const uploader = async (k: number) => {
      while (running) {
        const text = `stream ${k} ${sent++}`;
        const bytes = textModule(text);
        const result = await upload(a.url, fn.id, bytes, false).catch(() => null);
        if (result) {
          expect(result.sha256).toBe(sha256(bytes));
          acked.push({ ...result, text });
        }
      }
    };
    const uploading = Promise.all([0, 1, 2].map(uploader));
    await until("some uploads acknowledged", async () => acked.length >= 10);
    running = false;
    await a.kill();
    await uploading;

    const versions = await allVersions((path) => b.api(path), fn.id);
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    for (const { version, sha256: hash } of acked)
      expect(versions).toContainEqual(expect.objectContaining({ version, sha256: hash }));
    for (const ack of acked) {
      const bytes = new Uint8Array(await (await b.api(`/api/v1/artifacts/${fn.id}/${ack.version}`)).arrayBuffer());
      expect(sha256(bytes)).toBe(ack.sha256);
    }
    // The node that followed A now follows B, and a deploy through B reaches both nodes.
    const last = acked.at(-1)!;
    await b.activate(fn.id, last.version);
    for (const n of [onA, onB])
      await until(
        `the last acknowledged upload on ${n.url}`,
        async () => (await body(`${n.url}/shared`)) === `200 ${last.text}`,
        20_000,
      );
    expect(((await (await fetch(`${onA.url}/healthz`)).json()) as { control_plane: string }).control_plane).toBe(b.url);
    // Both replicas share one change history: the node resumed on B from its revision, no second snapshot.
    expect(await metric(onA.url, "edge_sync_messages_total", { type: "snapshot" })).toBe(1);
  },
  90_000,
);
