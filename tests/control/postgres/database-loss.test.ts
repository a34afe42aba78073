// The database goes away under a running control plane (the link to PostgreSQL cut by a real
// TCP proxy in between): the API answers 503 storage_unavailable with Retry-After, /healthz and
// /metrics keep answering, /readyz says not ready, an edge node keeps serving from its cache;
// when the link is back, the control plane reconnects and takes writes again, and the node
// gets them.
import { afterAll, expect } from "bun:test";
import { textModule } from "../../fixtures/guests";
import { controlApi } from "../../helpers/control-api";
import { startEdgeProcess } from "../../helpers/edge-process";
import { body } from "../../helpers/fetch-text";
import { freshSchema, withSchema, postgresSuite } from "../../helpers/postgres";
import type { ServerProcess } from "../../helpers/server-process";
import { startS3Server } from "../../helpers/s3-server";
import { tcpProxy } from "../../helpers/tcp-proxy";
import { tempDir } from "../../helpers/temp-dir";
import { startTestControl, type TestControl } from "../../helpers/test-control";
import { until } from "../../helpers/until";

const { base, run } = await postgresSuite();
const cleanups: (() => Promise<unknown>)[] = [];

/** A fresh schema, and its URL through a TCP proxy to the database that the test can cut and make again. */
async function schemaBehindProxy() {
  const schema = await freshSchema(base!);
  cleanups.push(() => schema.drop());
  const target = new URL(base!);
  const proxy = await tcpProxy(Number(target.port || 5432), target.hostname);
  cleanups.push(async () => proxy.close());
  const viaProxy = new URL(withSchema(base!, schema.schema));
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  return { schema, proxy, viaProxy };
}
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

run(
  "503 storage_unavailable with Retry-After while the database is away; health, metrics and nodes carry on; then it recovers",
  async () => {
    const { proxy, viaProxy } = await schemaBehindProxy();
    const control: TestControl = await startTestControl({ databaseUrl: viaProxy.toString() });
    cleanups.push(() => control.stop());
    const api = controlApi(control.url);
    const fn = await api.createFunction({ name: "steady" });
    await api.upload(fn.id, textModule("before"));
    const node: ServerProcess = await startEdgeProcess(control.url, tempDir("edge-dbloss-node-"), "dbloss-node", [
      "--workers",
      "1",
    ]);
    cleanups.push(() => node.kill());
    expect(await body(`${node.url}/steady`)).toBe("200 before");

    proxy.close();
    let refused = new Response();
    await until("a write refused", async () => {
      refused = await control.post("/api/v1/functions", { name: "during" });
      return refused.status === 503;
    });
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: { code: "storage_unavailable" } });
    const read = await control.api(`/api/v1/functions/${fn.id}`);
    expect([read.status, ((await read.json()) as { error: { code: string } }).error.code]).toEqual([
      503,
      "storage_unavailable",
    ]);
    expect(await (await control.fetch("/healthz")).json()).toEqual({
      status: "ok",
      revision: null,
      store: "unavailable",
    });
    expect((await control.fetch("/readyz")).status).toBe(503);
    expect((await control.fetch("/metrics")).status).toBe(200);
    expect(await body(`${node.url}/steady`)).toBe("200 before");

    await proxy.reopen();
    await until(
      "writes taken again",
      async () => (await control.post("/api/v1/functions", { name: "after" })).status === 201,
      20_000,
    );
    expect((await control.fetch("/readyz")).status).toBe(200);
    await api.upload(fn.id, textModule("after"));
    await until(
      "the node serves the change made after the outage",
      async () => (await body(`${node.url}/steady`)) === "200 after",
      20_000,
    );
  },
  60_000,
);

run(
  "a replica that missed notifications (its database link cut) catches up when it is back: its node gets what another replica committed meanwhile",
  async () => {
    const { schema, proxy, viaProxy } = await schemaBehindProxy();
    // Replicas share artifacts through a bucket (files in each data dir would not be shared).
    const s3 = await startS3Server();
    cleanups.push(() => s3.stop());
    const shared = { environment: { ...process.env, ...s3.controlEnv("catchup") } };
    const artifacts = s3.controlEnv("catchup").EDGE_CONTROL_ARTIFACTS;
    const a: TestControl = await startTestControl({ databaseUrl: schema.url, artifacts }, undefined, shared);
    cleanups.push(() => a.stop());
    const b: TestControl = await startTestControl({ databaseUrl: viaProxy.toString(), artifacts }, undefined, shared);
    cleanups.push(() => b.stop());
    const api = controlApi(a.url);
    const fn = await api.createFunction({ name: "caught-up" });
    await api.upload(fn.id, textModule("one"));
    const node: ServerProcess = await startEdgeProcess(b.url, tempDir("edge-catchup-node-"), "catchup-node", [
      "--workers",
      "1",
    ]);
    cleanups.push(() => node.kill());
    await until("the node on B serves v1", async () => (await body(`${node.url}/caught-up`)) === "200 one");

    proxy.close();
    await until("B notices", async () => (await b.fetch("/readyz")).status === 503);
    await api.upload(fn.id, textModule("two")); // committed through A while B hears nothing
    await proxy.reopen();
    await until(
      "the node on B gets the change B missed",
      async () => (await body(`${node.url}/caught-up`)) === "200 two",
      30_000,
    );
  },
  60_000,
);
