// Faults that used to take a worker down no longer do; every other request stays unaffected.
// (That a worker which does die is replaced is proven in tests/runner/worker-replacement.test.ts.)
// - Host fault: the node's address space is capped with prlimit (memory pressure), so the host
//   cannot allocate big-memory.wat's 1 GiB memory: the request ends as the memory outcome (500)
//   and the worker lives on. (It used to kill the worker thread: worker_crash, also accepted.)
// - Guest fault: stall.wat fills 1 GiB 32 times in straight-line code. The pipeline runs each fill
//   in 1 MiB chunks that spend fuel, so the guest is stopped partway through its first fill at
//   its 20 ms deadline (504), by its own worker: no watchdog, no replacement.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { wat } from "../fixtures/wat";
import { closedLoop, ms, quantile } from "./helpers/load";
import { n, report } from "./helpers/report";
import { guest, guestSource, sample } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";
import { metric } from "../helpers/metrics-text";

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

const FAULTS = 6;

/** Sets the soft limit only: lowering the hard one could not be undone. */
function prlimitAddressSpace(pid: number, bytes: number | "unlimited"): void {
  const result = Bun.spawnSync(["prlimit", "--pid", String(pid), `--as=${bytes}:unlimited`]);
  if (result.exitCode !== 0) throw new Error(`prlimit failed: ${result.stderr.toString()}`);
}

/** `FAULTS` requests to `path`, one at a time, beside 4 clients of hello; returns both sides. */
async function faultsUnderLoad(url: string, path: string, before: () => void = () => {}) {
  const codes: string[] = [];
  const faults = (async () => {
    for (let i = 0; i < FAULTS; i++) {
      before();
      const { status, text } = await get(`${url}${path}`, { signal: AbortSignal.timeout(20_000) });
      codes.push(`${status} ${status >= 500 ? (JSON.parse(text) as { error: { code: string } }).error.code : text}`);
      await Bun.sleep(200);
    }
  })();
  const load = closedLoop({
    url: `${url}/hello`,
    concurrency: 4,
    durationMs: 1_500 * FAULTS,
    check: (x) => x.status === 200 && x.text === "Hello, World!",
  });
  const [, hello] = await Promise.all([faults, load]);
  return { codes, hello };
}

test("a guest stalling in bulk operations or a host that cannot allocate: 504/500 for that request, no worker lost, the others unaffected", async () => {
  control = await startControlProcess(tempDir("rel-wcrash-control-"));
  for (const [name, settings, bytes] of [
    ["hello", {}, sample("hello_world")],
    ["stall", { memory_pages: 16384, max_execution_ms: 20 }, guest("stall")],
    ["big", { memory_pages: 16384, max_execution_ms: 5000 }, guest("big-memory")],
  ] as const) {
    const fn = await control.createFunction({ name, ...settings });
    await control.upload(fn.id, bytes);
  }
  edge = await startEdgeProcess(control.url, tempDir("rel-wcrash-edge-"), "wcrash", ["--workers", "2"]);
  const url = edge.url;
  await until("routed", async () => (await get(`${url}/hello`)).status === 200);

  // Memory pressure: the address space capped 512 MiB above what the node uses, set again before
  // each fault (replaced workers free theirs meanwhile), so the 1 GiB memory can never be had.
  const pid = edge.pid;
  const squeeze = () =>
    prlimitAddressSpace(
      pid,
      Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmSize:\s+(\d+) kB/)![1]) * 1024 + 512 * 1024 * 1024,
    );
  const crashed = await faultsUnderLoad(url, "/big", squeeze);
  prlimitAddressSpace(pid, "unlimited");
  const restartsAfterCrashes = await metric(url, "wasm_worker_restarts");

  // Stalls come second: the replaced workers finish their fills and free 1 GiB each afterwards,
  // which would loosen the cap above.
  const stalled = await faultsUnderLoad(url, "/stall");
  const restarts = await metric(url, "wasm_worker_restarts");
  const alive = edge.alive() && (await get(`${url}/healthz`)).status === 200;
  const logs = edge.lines().join("\n");

  const hello = { sent: stalled.hello.sent + crashed.hello.sent, failed: stalled.hello.failed + crashed.hello.failed };
  const p99 = Math.max(quantile(stalled.hello.latencies, 0.99), quantile(crashed.hello.latencies, 0.99));
  console.log(
    `stalls: ${stalled.codes.join(", ")}; host faults: ${crashed.codes.join(", ")}; workers replaced ${restarts}; ` +
      `hello meanwhile ${n(hello.sent)} requests, ${hello.failed} failed, p99 ${ms(p99)} ms`,
  );
  report({
    scenario: "Worker crash",
    tried: `${FAULTS} host faults (a guest's 1 GiB memory cannot be allocated under a prlimit address-space cap), then ${FAULTS} guests trying to stall a worker (32 fills of 1 GiB in straight-line code, 20 ms limit), beside 4 hello clients`,
    amount: `${restarts} workers replaced; ${n(hello.sent)} hello requests meanwhile (p99 ${ms(p99)} ms)`,
    lost: `${hello.failed} hello requests failed; the faulting requests got ${[...new Set([...stalled.codes, ...crashed.codes])].join(", ")}; ${alive ? 0 : 1} crashes of the node`,
  });

  expect(stalled.codes).toEqual(Array(FAULTS).fill("504 timeout"));
  // The bulk-operation checks stop the stalls in their own worker: nothing for the watchdog.
  expect(restarts - restartsAfterCrashes).toBe(0);
  // The worker dies (worker_crash), or once the allocation is inside the guest's try, the memory outcome.
  for (const code of crashed.codes) expect(["500 worker_crash", "500 memory"]).toContain(code);
  expect(stalled.hello.failures).toEqual([]);
  expect(crashed.hello.failures).toEqual([]);
  expect(alive).toBe(true);
  expect(logs).not.toContain("worker unresponsive past its deadline; replacing it");
}, 120_000);

test("a function declaring a 1 GiB memory that does nothing answers 200 within its limit, and replaces no worker", async () => {
  // The memory a guest used is zeroed for reuse after it returns; zeroing 1 GiB takes ~0.4 s here,
  // which must not count against the guest's deadline (or trip the watchdog).
  // A memory shape of its own (16,380 pages), so no memory recycled from the tests above helps it.
  const fn = await control!.createFunction({ name: "idle-gib", memory_pages: 16380, max_execution_ms: 100 });
  await control!.upload(fn.id, wat(guestSource("big-memory").replace("(memory 16384)", "(memory 16380)")));
  const url = edge!.url;
  await until("routed", async () => (await get(`${url}/idle-gib`)).status !== 404);
  const before = await metric(url, "wasm_worker_restarts");
  const answers: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { status, text } = await get(`${url}/idle-gib`);
    answers.push(`${status} ${text.slice(0, 40)}`);
  }
  const replaced = (await metric(url, "wasm_worker_restarts")) - before;
  console.log(`1 GiB idle guest: ${answers.join(", ")}; workers replaced ${replaced}`);
  expect(answers).toEqual(Array(4).fill("200 big"));
  expect(replaced).toBe(0);
}, 60_000);
