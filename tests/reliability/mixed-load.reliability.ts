// Load and isolation: hello-world at a fixed high rate on an edge node, first alone, then for
// 30 s alongside functions that loop forever (50 ms limit), hog memory to their cap, trap and
// overflow their stack. No good request may fail, the bad ones end with their own outcome, the
// node never crashes and its RSS stays flat. p99 with and without the bad functions is reported
// (measured in the same run; not asserted: it is a timing on a shared 2-core machine).
//
// A control follows: the same bad load sent to a second edge node, a separate process, while
// the hello load stays on the first. That is the best isolation any design could give on this
// machine (nothing shared but the CPUs and the kernel), so its p99 says how much of the mixed
// p99 is the machine's and how much the node's.
import { afterAll, expect, test } from "bun:test";
import { closedLoop, ms, openLoop, quantile, type Exchange, type LoadResult } from "./helpers/load";
import { n, report } from "./helpers/report";
import { guest, sample } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";
import { metric } from "../helpers/metrics-text";

const RATE = 2000;
const BASELINE_MS = 15_000;
const MIXED_MS = 30_000;
const BAD_INTERVAL_MS = 100;

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
let neighbour: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await neighbour?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

const hello: (x: Exchange) => boolean = (x) => x.status === 200 && x.text === "Hello, World!";
/** A bad request must end as a 5xx in the product's error shape; which outcome is tallied. */
function errorAnswer(codes: Map<string, number>) {
  return (x: Exchange) => {
    const code = x.status >= 500 ? (JSON.parse(x.text) as { error?: { code?: string } }).error?.code : undefined;
    codes.set(code ?? `status ${x.status}`, (codes.get(code ?? `status ${x.status}`) ?? 0) + 1);
    return code !== undefined;
  };
}

test("mixed load: good requests never fail beside looping, memory-hogging, trapping and stack-overflowing functions", async () => {
  control = await startControlProcess(tempDir("rel-mixed-control-"));
  const functions: [string, Record<string, unknown>, Uint8Array][] = [
    ["hello", {}, sample("hello_world")],
    ["spin", { max_execution_ms: 50 }, guest("loop-forever")],
    ["hog", { memory_pages: 256 }, guest("memory-hog")],
    ["trap", {}, guest("trap")],
    ["deep", {}, guest("recursion")],
  ];
  for (const [name, settings, bytes] of functions) {
    const fn = await control.createFunction({ name, ...settings });
    await control.upload(fn.id, bytes);
  }
  edge = await startEdgeProcess(control.url, tempDir("rel-mixed-edge-"), "mixed", ["--workers", "2"]);
  // Started now, idle until the control phase, so that every phase runs beside both processes.
  neighbour = await startEdgeProcess(control.url, tempDir("rel-mixed-neighbour-"), "neighbour", ["--workers", "2"]);
  const url = edge.url;
  const routed = (at: string) => async () =>
    (await get(`${at}/hello`)).status === 200 && (await get(`${at}/deep`)).status === 200;
  await until("every function routed", routed(url));
  await until("every function routed on the neighbour", routed(neighbour.url));

  const load = (durationMs: number) => openLoop({ url: `${url}/hello`, rate: RATE, durationMs, check: hello });
  await load(3_000); // warm-up: JIT, connections
  const baseline = await load(BASELINE_MS);

  const rssStart = edge.rssMb();
  let rssMax = rssStart;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rssMax = Math.max(rssMax, edge!.rssMb());
      await Bun.sleep(500);
    }
  })();
  // One client per bad function, each sending a request every 100 ms (10/s; together they keep
  // about 40% of one worker busy).
  const codes = {
    spin: new Map<string, number>(),
    hog: new Map<string, number>(),
    trap: new Map<string, number>(),
    deep: new Map<string, number>(),
  };
  const bad = (at: string, name: keyof typeof codes, headers: Record<string, string> = {}) =>
    closedLoop({
      url: `${at}/${name}`,
      init: { headers },
      concurrency: 1,
      durationMs: MIXED_MS,
      check: errorAnswer(codes[name]),
      intervalMs: BAD_INTERVAL_MS,
    });
  const allBad = (at: string) =>
    Promise.all([
      bad(at, "spin", { "x-spin": "1" }),
      bad(at, "hog"),
      bad(at, "trap"),
      bad(at, "deep", { "x-recurse": "1" }),
    ]);
  const [mixed, [spin, hog, trap, deep]] = await Promise.all([load(MIXED_MS), allBad(url)]);
  sampling = false;
  await sampler;
  const rssEnd = edge.rssMb();
  const restarts = await metric(url, "wasm_worker_restarts");
  const alive = edge.alive() && (await get(`${url}/healthz`)).status === 200;
  // The control: the same bad load, on the neighbour.
  const [apart, apartBad] = await Promise.all([load(MIXED_MS), allBad(neighbour.url)]);

  const p99 = (r: LoadResult) => quantile(r.latencies, 0.99);
  const badResults = { spin, hog, trap, deep };
  const badTotal = spin.sent + hog.sent + trap.sent + deep.sent;
  const badWrong = spin.failed + hog.failed + trap.failed + deep.failed;
  const expected = { spin: "timeout", hog: "memory", trap: "trap", deep: "stack_overflow" } as const;
  const otherOutcome = Object.entries(codes).flatMap(([name, seen]) =>
    [...seen]
      .filter(([code]) => code !== expected[name as keyof typeof expected])
      .map(([code, count]) => `${name}: ${count} ${code}`),
  );
  const ratio = p99(mixed) / p99(baseline);
  const apartRatio = p99(apart) / p99(baseline);
  console.log(
    `baseline ${n(baseline.sent)} requests at ${RATE}/s: p50 ${ms(quantile(baseline.latencies, 0.5))} ms, p99 ${ms(p99(baseline))} ms; ` +
      `mixed ${n(mixed.sent)}: p50 ${ms(quantile(mixed.latencies, 0.5))} ms, p99 ${ms(p99(mixed))} ms (${ratio.toFixed(2)}x); ` +
      `bad ones on the neighbour: p99 ${ms(p99(apart))} ms (${apartRatio.toFixed(2)}x); ` +
      `bad: ${Object.entries(badResults)
        .map(([k, r]) => `${k} ${r.sent}`)
        .join(
          ", ",
        )} (not their own outcome: ${otherOutcome.join(", ") || "none"}); RSS ${rssStart.toFixed(0)} -> ${rssEnd.toFixed(0)} MiB (max ${rssMax.toFixed(0)}); restarts ${restarts}`,
  );
  report({
    scenario: "Mixed load (30 s)",
    tried:
      `hello-world at ${RATE}/s on one edge node (2 workers + 2 spares, the default) beside functions looping forever (50 ms limit), hogging memory to a 16 MiB cap, trapping and overflowing the stack, ${1000 / BAD_INTERVAL_MS}/s each; ` +
      `the same hello load alone first, and last with the bad functions on a second node process (the control)`,
    amount:
      `${n(mixed.sent)} good + ${n(badTotal)} bad requests; good p50 ${ms(quantile(baseline.latencies, 0.5))} ms alone, ${ms(quantile(mixed.latencies, 0.5))} ms mixed; ` +
      `p99 ${ms(p99(baseline))} ms alone, ${ms(p99(mixed))} ms mixed (${ratio.toFixed(1)}x), ${ms(p99(apart))} ms with the bad functions on the other node (${apartRatio.toFixed(1)}x); ` +
      `RSS ${rssStart.toFixed(0)} -> ${rssEnd.toFixed(0)} MiB (max ${rssMax.toFixed(0)})`,
    lost:
      `${mixed.failed + baseline.failed} good requests failed, ${badWrong} bad ones answered other than a 5xx error, ${alive ? 0 : 1} crashes; ` +
      `${restarts} workers replaced by the watchdog${otherOutcome.length ? ` (${otherOutcome.join(", ")})` : ""}`,
  });

  expect({
    baseline: baseline.failures,
    mixed: mixed.failures,
    apart: apart.failures,
    skipped: mixed.skipped + baseline.skipped + apart.skipped,
  }).toEqual({ baseline: [], mixed: [], apart: [], skipped: 0 });
  expect(apartBad.map((r) => r.failures)).toEqual([[], [], [], []]);
  expect({ spin: spin.failures, hog: hog.failures, trap: trap.failures, deep: deep.failures }).toEqual({
    spin: [],
    hog: [],
    trap: [],
    deep: [],
  });
  expect(Math.min(spin.sent, hog.sent, trap.sent, deep.sent)).toBeGreaterThan(200);
  expect(alive).toBe(true);
  // Flat: what the node holds at the end is what it held at the start, give or take the
  // allocator's slack (16 MiB memories come and go hundreds of times meanwhile).
  expect(rssEnd - rssStart).toBeLessThan(64);
}, 180_000);
