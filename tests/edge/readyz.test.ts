// /readyz on the runner: an edge node answers 503 not_ready (error shape, Retry-After) until it
// serves a whole state, the first snapshot applied or its state restored from disk, then 200;
// ready means the functions of that state answer. A single-module runner is ready once it
// listens. /healthz (alive) answers 200 meanwhile. Real processes throughout.
import { afterAll, expect, test } from "bun:test";
import { body } from "../helpers/fetch-text";
import { startControlProcess, type ControlProcess } from "../helpers/control-process";
import { EDGE_TOKEN_ENV, edgeArgs } from "../helpers/edge-process";
import { RUNNER_MAIN, startRunnerProcess } from "../helpers/runner-process";
import { cleanEnv, REPO_ROOT } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { samplePath, textModule } from "../fixtures/guests";

const children: { kill(signal?: number | NodeJS.Signals): void; exited: Promise<number> }[] = [];
let control: ControlProcess | null = null;
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all([...children.map((child) => child.exited), control?.kill()]);
});

/** A port free a moment ago (the kernel does not hand it out again at once). */
function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

/** An edge node on `port`, not waited for: its server listens before its first snapshot. */
function spawnEdge(controlUrl: string, cacheDir: string, port: number) {
  const child = Bun.spawn(
    [
      "bun",
      RUNNER_MAIN,
      ...edgeArgs(controlUrl, cacheDir, "readyz-node", ["--port", String(port), "--host", "127.0.0.1"]),
    ],
    { cwd: REPO_ROOT, env: cleanEnv(EDGE_TOKEN_ENV), stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  );
  children.push(child);
  return child;
}

/** The first answer of /readyz once the node listens. */
async function firstReadyz(base: string): Promise<Response> {
  let answer: Response | null = null;
  await until("the node listens", async () => ((answer = await fetch(`${base}/readyz`)), true), 20_000);
  return answer!;
}

test("an edge node is not ready until its first snapshot is applied, and ready at once when it restores its state from disk", async () => {
  const controlPort = freePort();
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const cacheDir = tempDir("readyz-edge-");
  const edgePort = freePort();
  const base = `http://127.0.0.1:${edgePort}`;

  // No control plane yet, nothing on disk: alive, not ready, in the error shape.
  const first = spawnEdge(controlUrl, cacheDir, edgePort);
  const notReady = await firstReadyz(base);
  expect(notReady.status).toBe(503);
  expect(notReady.headers.get("retry-after")).toBe("1");
  expect(notReady.headers.get("content-type")).toBe("application/json");
  const { error } = (await notReady.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("not_ready");
  expect(error.message).toContain("not connected");
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`, { method: "HEAD" })).status).toBe(503);

  // The control plane comes up holding a function (deployed on another port first, so the node's
  // first snapshot has it): ready exactly when that snapshot is live.
  const dataDir = tempDir("readyz-control-");
  const setup = await startControlProcess(dataDir);
  const fn = await setup.createFunction({ name: "ready-fn" });
  await setup.upload(fn.id, textModule("v1"));
  await setup.stop();
  control = await startControlProcess(dataDir, { port: controlPort });
  await until("ready", async () => (await fetch(`${base}/readyz`)).status === 200, 20_000);
  expect(await body(`${base}/ready-fn`)).toBe("200 v1");
  expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready" });
  expect((await fetch(`${base}/readyz`, { method: "POST" })).status).toBe(405);

  // Restarted while the control plane is down: its state from disk makes it ready at once.
  first.kill("SIGKILL");
  await first.exited;
  await control.kill();
  control = null;
  spawnEdge(controlUrl, cacheDir, edgePort);
  expect((await firstReadyz(base)).status).toBe(200);
  expect(await body(`${base}/ready-fn`)).toBe("200 v1");
}, 60_000);

test("a single-module runner is ready once it listens; /readyz is the runner's, never the function's", async () => {
  const runner = await startRunnerProcess([samplePath("hello_world"), "--log-level", "warn"]);
  try {
    const ready = await fetch(`${runner.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    expect(await (await fetch(`${runner.url}/readyz/x`)).text()).toBe("Hello, World!");
  } finally {
    await runner.stop("SIGKILL");
  }
});
