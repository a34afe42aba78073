// kill -9 of an edge node under load, then a restart on the same port: it serves again within
// seconds, from the control plane, and from its disk state (state.json + verified artifacts)
// when the control plane is down too.
import { afterAll, expect, test } from "bun:test";
import { n, report } from "./helpers/report";
import { sample } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

/** Clients that keep asking `url`; records when answers stop being and start being 200 again. */
function steadyLoad(url: string, clients = 8) {
  let running = true;
  let ok = 0;
  let failed = 0;
  let lastOk = 0;
  const okTimes: number[] = [];
  const loop = async () => {
    while (running) {
      const { status, text } = await get(url, { signal: AbortSignal.timeout(2_000) });
      if (status === 200 && text === "Hello, World!") {
        ok++;
        lastOk = performance.now();
        if (okTimes.length < 1_000_000) okTimes.push(lastOk);
      } else {
        failed++;
        await Bun.sleep(5); // connection refused comes back at once: don't spin
      }
    }
  };
  const done = Promise.all(Array.from({ length: clients }, loop));
  return {
    counts: () => ({ ok, failed }),
    firstOkAfter: (since: number) => okTimes.find((t) => t > since) ?? Infinity,
    async stop() {
      running = false;
      await done;
    },
  };
}

test("kill -9 of an edge node under load: it serves again within seconds, from its disk state when the control plane is down", async () => {
  control = await startControlProcess(tempDir("rel-rcrash-control-"));
  const fn = await control.createFunction({ name: "hello" });
  await control.upload(fn.id, sample("hello_world"));
  const cacheDir = tempDir("rel-rcrash-edge-");
  edge = await startEdgeProcess(control.url, cacheDir, "crash-node", ["--workers", "2"]);
  const port = edge.port;
  const url = `http://127.0.0.1:${port}/hello`;
  await until("serving", async () => (await get(url)).status === 200);

  const load = steadyLoad(url);
  await Bun.sleep(2_000);

  // 1. Control plane up: kill -9 and restart at once on the same port.
  await edge.stop("SIGKILL");
  const killed1 = performance.now(); // the process is gone: any 200 from here on is the new one's
  edge = await startEdgeProcess(control.url, cacheDir, "crash-node", ["--workers", "2"], { port });
  await until("serving again", () => load.firstOkAfter(killed1) < Infinity, 15_000);
  const recovered1 = load.firstOkAfter(killed1) - killed1;
  const restored1 = edge.lines().some((line) => line.includes("restored from disk"));
  await Bun.sleep(2_000);

  // 2. Control plane down too: the node restarts from state.json and its verified artifacts.
  await control.stop("SIGKILL");
  await Bun.sleep(500);
  await edge.stop("SIGKILL");
  const killed2 = performance.now();
  edge = await startEdgeProcess(control.url, cacheDir, "crash-node", ["--workers", "2"], { port });
  await until("serving again without the control plane", () => load.firstOkAfter(killed2) < Infinity, 15_000);
  const recovered2 = load.firstOkAfter(killed2) - killed2;
  const restored2 = edge.lines().some((line) => line.includes("restored from disk"));
  await Bun.sleep(2_000);
  const settled = performance.now();
  const before = load.counts();
  await Bun.sleep(1_000);
  const after = load.counts();
  await load.stop();
  const { ok, failed } = load.counts();

  console.log(
    `edge node kill -9 under load: back in ${(recovered1 / 1000).toFixed(2)} s with the control plane up, ` +
      `${(recovered2 / 1000).toFixed(2)} s with it down (restored from disk: ${restored2}); ${n(ok)} requests answered, ${n(failed)} refused while it was down`,
  );
  report({
    scenario: "Edge node kill -9",
    tried:
      "kill -9 of an edge node under 8 clients, restart on the same port: once with the control plane up, once with it killed too",
    amount: `serving again ${(recovered1 / 1000).toFixed(1)} s after the kill (control plane up) and ${(recovered2 / 1000).toFixed(1)} s (down, from disk); ${n(ok)} requests answered`,
    lost: `only requests sent while no process listened (${n(failed)} refused connections); none after restart`,
  });

  expect(recovered1).toBeLessThan(10_000);
  expect(recovered2).toBeLessThan(10_000);
  expect(restored1).toBe(true); // it had state on disk both times
  expect(restored2).toBe(true);
  expect(after.failed - before.failed).toBe(0); // once back, nothing fails
  expect(after.ok).toBeGreaterThan(before.ok);
  expect(settled).toBeGreaterThan(killed2);
}, 60_000);
