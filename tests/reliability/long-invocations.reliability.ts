// A function whose time limit is longer than the idle timeout (10 s): its connection stays open
// for as long as it runs, so a 12 s invocation within a 15 s limit gets its answer (it used to
// get an empty reply, with 200 in the log). The idle timeout is back on once the answer is
// ready: a client that then stays silent on its keep-alive connection is still cut.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { report } from "./helpers/report";
import { rawClient, write } from "../helpers/raw-socket";
import { guest } from "../fixtures/guests";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";

const LIMIT_MS = 15_000;
const RUN_MS = 12_000;
/** The idle timeout (10 s) plus Bun's coarse timer and slack: a connection open longer is held. */
const IDLE_CUT_BOUND_MS = 20_000;

let control: ControlProcess;
let edge: ServerProcess;
let runner: ServerProcess;
beforeAll(async () => {
  const module = join(tempDir("rel-long-"), "busy-wait.wasm");
  writeFileSync(module, guest("busy-wait"));
  runner = await startRunnerProcess([
    module,
    "--max-execution-ms",
    String(LIMIT_MS),
    "--workers",
    "1",
    "--log-level",
    "info",
  ]);
  control = await startControlProcess(tempDir("rel-long-control-"));
  const fn = await control.createFunction({ name: "long", routes: ["/long"], max_execution_ms: LIMIT_MS });
  await control.upload(fn.id, guest("busy-wait"));
  edge = await startEdgeProcess(control.url, tempDir("rel-long-edge-"), "long-node", ["--log-level", "info"]);
  await until(
    "the node serves the function",
    async () => (await fetch(`${edge.url}/long`, { headers: { "x-wait-ms": "1" } })).status === 200,
  );
}, 60_000);
afterAll(() => Promise.all([runner?.stop("SIGKILL"), edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

/** One keep-alive request for a `RUN_MS` run; then the connection is left silent. */
async function longRequest(url: string, path: string) {
  const client = await rawClient(url);
  const started = performance.now();
  await write(client, `GET ${path} HTTP/1.1\r\nHost: x\r\nx-wait-ms: ${RUN_MS}\r\n\r\n`);
  // A complete answer ends with its 6-byte body ("waited").
  while (!client.text().endsWith("\r\n\r\nwaited") && performance.now() - started < LIMIT_MS + IDLE_CUT_BOUND_MS) {
    if ((await Promise.race([client.closed.then(() => "closed"), Bun.sleep(50)])) === "closed") break;
  }
  const answeredAfter = performance.now() - started;
  const answer = client.text();
  // Now silent: the runner must close the connection by the idle timeout.
  const closedAfter = await Promise.race([
    client.closed.then(() => performance.now() - started - answeredAfter),
    Bun.sleep(IDLE_CUT_BOUND_MS).then(() => Infinity),
  ]);
  client.socket.destroy();
  return { answer, answeredAfter, closedAfter };
}

test(`a ${RUN_MS / 1000} s invocation within a ${LIMIT_MS / 1000} s limit gets its answer; the idle timeout still cuts the silent connection after`, async () => {
  const [single, onEdge] = await Promise.all([longRequest(runner.url, "/"), longRequest(edge.url, "/long")]);
  const logged = (proc: ServerProcess) =>
    proc
      .lines()
      .filter(
        (line) =>
          line.includes('"msg":"invocation"') && line.includes('"status":200') && /"run_ms":1[12]\d{3}/.test(line),
      ).length;
  await until("the invocations are logged", () => logged(runner) === 1 && logged(edge) === 1);
  for (const [where, r] of [
    ["runner", single],
    ["edge node", onEdge],
  ] as const) {
    console.log(
      `${where}: answered ${r.answer.split("\r\n")[0] || "(nothing)"} after ${(r.answeredAfter / 1000).toFixed(1)} s; silent keep-alive connection closed ${(r.closedAfter / 1000).toFixed(1)} s after that`,
    );
  }
  report({
    scenario: "Invocations longer than the idle timeout",
    tried: `one request running ${RUN_MS / 1000} s (limit ${LIMIT_MS / 1000} s) on a runner and on an edge node, idle timeout 10 s; the keep-alive connection then left silent`,
    amount: `answered after ${(single.answeredAfter / 1000).toFixed(1)} s and ${(onEdge.answeredAfter / 1000).toFixed(1)} s; silent connections cut ${(single.closedAfter / 1000).toFixed(1)} s and ${(onEdge.closedAfter / 1000).toFixed(1)} s later`,
    lost: `${[single, onEdge].filter((r) => !r.answer.endsWith("waited")).length} of 2 answers; ${[single, onEdge].filter((r) => !Number.isFinite(r.closedAfter)).length} silent connections held open`,
  });
  for (const r of [single, onEdge]) {
    expect(r.answer.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(r.answer.endsWith("\r\n\r\nwaited")).toBe(true);
    expect(r.answeredAfter).toBeGreaterThanOrEqual(RUN_MS);
    expect(r.closedAfter).toBeLessThan(IDLE_CUT_BOUND_MS);
  }
}, 90_000);
