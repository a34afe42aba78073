// A node whose watch socket is cut in the middle of a sequence of pages (a real edge process,
// the control plane behind a TCP proxy that cuts the stream once ~10 MB have gone through):
// it keeps serving its whole previous state while disconnected — never half of the new one —
// then reconnects, resumes and serves the whole new state.
import { afterAll, expect, test } from "bun:test";
import { createServer, connect, type Server, type Socket } from "node:net";
import { type ServerProcess } from "../helpers/server-process";
import { guest } from "../fixtures/guests";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { body } from "../helpers/fetch-text";
import { controlApi } from "../helpers/control-api";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";

const FUNCTIONS = 30;
const SERVED = [0, 7, 14, 21, 29]; // spread over the pages (ids sort in creation order)

let control: TestControl | undefined;
let proxy: Server | undefined;
let node: ServerProcess | undefined;
afterAll(async () => {
  await node?.stop("SIGKILL");
  proxy?.close();
  await control?.stop();
});

/** Forwards to `port`; once armed, cuts the watch connection after `cutAfter` bytes to the client and refuses new ones for `refuseMs`. */
function startProxy(port: number) {
  const state = { armed: false, cut: false, refuseUntil: 0, cutAfter: 10_000_000, refuseMs: 1_500 };
  const server = createServer((client: Socket) => {
    if (Date.now() < state.refuseUntil) return void client.destroy();
    const upstream = connect(port, "127.0.0.1");
    let watch = false;
    let toClient = 0;
    client.once("data", (chunk) => (watch = chunk.toString("latin1").startsWith("GET /api/v1/watch")));
    upstream.on("data", (chunk: Buffer) => {
      toClient += chunk.length;
      if (watch && state.armed && !state.cut && toClient > state.cutAfter) {
        state.cut = true;
        state.refuseUntil = Date.now() + state.refuseMs;
        client.destroy();
        upstream.destroy();
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  return new Promise<{ url: string; server: Server; state: typeof state }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, state }),
    ),
  );
}

const envOf = (mark: string, fill: string) => ({
  MARK: mark,
  ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`V${i}`, fill.repeat(16_000)])),
});

test("a watch socket cut mid-sequence: the node serves its whole old state meanwhile, then the whole new one", async () => {
  control = await startTestControl();
  const api = controlApi(control.url);
  const ids: string[] = [];
  for (let i = 0; i < FUNCTIONS; i++) {
    const fn = await api.createFunction({ name: `fn-${i}`, env: envOf(`old-${i}`, "o") });
    ids.push(fn.id);
    if (SERVED.includes(i)) await api.upload(fn.id, guest("env-get"));
  }
  const cut = await startProxy(Number(new URL(control.url).port));
  proxy = cut.server;
  const cacheDir = tempDir("edge-resume-");
  node = await startEdgeProcess(cut.url, cacheDir, "resume-node", ["--workers", "1"]);
  const marks = async () =>
    Promise.all(SERVED.map((i) => body(`${node!.url}/fn-${i}`, { method: "POST", body: "MARK" })));
  await until(
    "old state served",
    async () => (await marks()).every((answer, k) => answer === `200 [old-${SERVED[k]}]`),
    20_000,
  );
  const oldRevision = await api.revision();
  await node.stop("SIGTERM");

  // Every function changes (~30 MB of catch-up, about 8 pages); the node comes back from its
  // state file, and its stream is cut after ~10 MB.
  for (let i = 0; i < FUNCTIONS; i++) await api.patch(ids[i]!, { env: envOf(`new-${i}`, "n") });
  const newRevision = await api.revision();
  cut.state.armed = true;
  node = await startEdgeProcess(cut.url, cacheDir, "resume-node", ["--workers", "1"]);
  await until("the cut", () => cut.state.cut, 20_000);

  // Disconnected for ~1.5 s with part of the new state received: it serves the old one, whole.
  const during: string[][] = [];
  while (Date.now() < cut.state.refuseUntil - 200) {
    during.push(await marks());
    const health = (await (await fetch(`${node.url}/healthz`)).json()) as {
      revision: number;
      received_revision: number;
    };
    expect([health.revision, health.received_revision]).toEqual([oldRevision, oldRevision]);
    await Bun.sleep(50);
  }
  expect(during.length).toBeGreaterThan(3);
  for (const seen of during) expect(seen).toEqual(SERVED.map((i) => `200 [old-${i}]`));

  // Then it reconnects, resumes after its revision, and serves the whole new state.
  await until(
    "new state served",
    async () => (await marks()).every((answer, k) => answer === `200 [new-${SERVED[k]}]`),
    20_000,
  );
  const health = (await (await fetch(`${node.url}/healthz`)).json()) as { revision: number; synced: boolean };
  expect(health.revision).toBe(newRevision);
  expect(node.lines().some((line) => line.includes("watch disconnected"))).toBe(true);
}, 60_000);
