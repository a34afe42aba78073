// Saturation (issue #18, section 1): one bad function hammered by many clients must not starve
// a healthy one on the same node, and a connection flood must not collapse goodput.
//
// One edge node, the default pool (--workers 2, 2 spares), serving `hello` and four bad
// neighbours: `spin` loops forever (500 ms limit), `flaky` answers at once but loops forever on
// one request in 200, `long` runs 450 ms of its 500 ms limit and
// answers 200, `hungry` touches 64 MiB of fresh memory per request and answers 200. For each,
// at 2, 8 and 64 closed-loop connections hammering it, hello's throughput and p99 under a fixed
// closed-loop load (wrk, 8 connections) are compared with the same load alone, measured just
// before and just after in the same run (their mean is the reference, which damps drift).
// Goals: hello keeps >= 50% of its throughput alone, its p99 stays <= 5x alone's, no hello
// request fails, and every bad request gets its own outcome (504 timeout, 200, or 503 overload
// with Retry-After) within HANG_MS: never a hang.
// Then the flood: hello alone at 256, 1,024 and 2,000 wrk connections (each comes straight back
// after a 503); goodput (2xx/s) at 2,000 must stay >= 50% of goodput at 256.
//
// wrk drives hello (C, one thread: it costs less CPU than the node it measures, and the issue's
// figures came from it); the bad clients are raw-socket clients of our own (helpers/raw-load.ts)
// that see every answer and wait for the ones in flight, which wrk drops at its end (a hello
// request stuck that way shows as lost throughput and p99 instead).
//
// Subsets for quick runs: SATURATION=loop,sometimes-loop,near-limit,wasi-sleep,memory,flood (default: all) and
// SATURATION_CONNECTIONS=2,8,64 (the bad levels), e.g.
//   SATURATION=loop SATURATION_CONNECTIONS=64 bun run test:reliability saturation
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ms, quantile } from "./helpers/load";
import { rawClosedLoop, type RawLoadResult } from "./helpers/raw-load";
import { BAD, type Kind, outcomeOf } from "./helpers/bad-neighbours";
import { drained, rssWatch } from "./helpers/node-watch";
import { n, report } from "./helpers/report";
import { wrk, type WrkResult } from "./helpers/wrk";
import { sample } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";
import { metric } from "../helpers/metrics-text";

const HEALTHY_CONNECTIONS = 8;
const PHASE_S = 4;
/** The bad load runs this long before hello is measured beside it: spares started, marks made. */
const RAMP_MS = 1_000;
/** A bad request unanswered this long after it was sent (20x its 500 ms limit) is a hang; wrk's timeout for hello too. */
const HANG_MS = 10_000;
const THROUGHPUT_SHARE = 0.5;
const P99_FACTOR = 5;
const FLOOD_S = 4;
const FLOOD_LEVELS = [256, 1024, 2000];
/**
 * Goodput at 2,000 connections over goodput at 256. At 256 the node is already saturated (hello
 * saturates it at 8), so that is its capacity under overload; 8x the connections should cost
 * only their sockets, and 50% leaves room for that and this shared machine's noise, while the
 * collapse the issue measured (instant 503s inviting instant retries) left 19% (26.7k -> ~5k/s).
 */
const FLOOD_SHARE = 0.5;

const list = (name: string): string[] | undefined =>
  process.env[name]
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const parts = list("SATURATION") ?? ["loop", "sometimes-loop", "near-limit", "wasi-sleep", "memory", "flood"];
const unknown = parts.filter((p) => p !== "flood" && !(p in BAD));
if (unknown.length)
  throw new Error(
    `SATURATION: unknown part(s) ${unknown.join(", ")}; known: ${[...Object.keys(BAD), "flood"].join(", ")}`,
  );
const levels = (list("SATURATION_CONNECTIONS") ?? ["2", "8", "64"]).map(Number);
if (levels.some((c) => !Number.isInteger(c) || c < 1))
  throw new Error(`SATURATION_CONNECTIONS: ${process.env.SATURATION_CONNECTIONS} is not a list of connection counts`);
const kinds = parts.filter((p): p is Kind => p in BAD);

let control: ControlProcess | undefined;
let edge: ServerProcess | undefined;
afterAll(async () => {
  await edge?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

beforeAll(async () => {
  control = await startControlProcess(tempDir("rel-saturation-control-"));
  const functions: [string, Record<string, unknown>, Uint8Array][] = [["hello", {}, sample("hello_world")]];
  for (const kind of kinds) functions.push([BAD[kind].name, BAD[kind].settings, BAD[kind].bytes()]);
  for (const [name, settings, bytes] of functions) {
    const fn = await control.createFunction({ name, ...settings });
    await control.upload(fn.id, bytes);
  }
  edge = await startEdgeProcess(control.url, tempDir("rel-saturation-edge-"), "saturation", ["--workers", "2"]);
  const url = edge.url;
  await until(
    "every function routed",
    async () => {
      for (const [name] of functions)
        if ((await get(`${url}/${name}`, { headers: { "x-wait-ms": "1" } })).status !== 200) return false;
      return true;
    },
    20_000,
  );
  await hello(2); // warm-up: JIT, connections
}, 60_000);

const hello = (seconds = PHASE_S, connections = HEALTHY_CONNECTIONS): Promise<WrkResult> =>
  wrk(`${edge!.url}/hello`, { connections, seconds, timeoutS: HANG_MS / 1000 });
const helloErrors = (r: WrkResult) => r.non2xx + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
const rate = (value: number) =>
  value >= 1000 ? `${(value / 1000).toFixed(1)}k/s` : `${value.toFixed(value >= 10 ? 0 : 1)}/s`;
const msOrNone = (value: number) => (Number.isFinite(value) ? `${ms(value)} ms` : "none answered");
const pct = (value: number) => `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
const tally = (r: RawLoadResult) => [...r.outcomes].map(([k, v]) => `${v} ${k}`).join(", ") || "no answers";

for (const kind of kinds) {
  const bad = BAD[kind];
  test(`saturation, ${kind}: hello keeps >= ${pct(THROUGHPUT_SHARE)} of its throughput and p99 <= ${P99_FACTOR}x beside a function that ${bad.what}, at ${levels.join(", ")} connections`, async () => {
    const url = edge!.url;
    await drained(edge!, HANG_MS);
    const alone: WrkResult[] = [await hello()];
    type Row = {
      connections: number;
      mixed: WrkResult;
      before: WrkResult;
      after: WrkResult;
      bad: RawLoadResult;
      rssMax: number;
      drainS: number;
      retried?: Row;
    };
    const rows: Row[] = [];
    const phase = async (connections: number): Promise<Row> => {
      const load = rawClosedLoop({
        url: `${url}/${bad.name}`,
        headers: bad.headers,
        connections,
        classify: outcomeOf(bad),
        hangMs: HANG_MS,
      });
      await Bun.sleep(RAMP_MS);
      const rss = rssWatch(edge!);
      const mixed = await hello();
      const rssMax = await rss();
      // Waits for every bad request in flight: the next alone phase starts on an idle node.
      const badResult = await load.stop();
      const drainS = await drained(edge!, HANG_MS);
      alone.push(await hello());
      return { connections, mixed, before: alone.at(-2)!, after: alone.at(-1)!, bad: badResult, rssMax, drainS };
    };
    const timingMet = (row: Row) =>
      row.mixed.rate / ((row.before.rate + row.after.rate) / 2) >= THROUGHPUT_SHARE &&
      row.mixed.p99Ms / ((row.before.p99Ms + row.after.p99Ms) / 2) <= P99_FACTOR;
    for (const connections of levels) {
      const first = await phase(connections);
      // A timing goal missed is measured once more: on these 2 cores, shared with the load
      // generators, one 4 s phase can catch the machine's own stall (seen once in .ci/run: a
      // p99 of 87 ms in one phase, the next runs 1.7-2.4x). A real regression misses both; what
      // must never happen (a failed, wrong or hung request) counts in either.
      rows.push(timingMet(first) ? first : { ...(await phase(connections)), retried: first });
    }
    const alive = edge!.alive() && (await get(`${url}/healthz`)).status === 200;

    const problems: string[] = [];
    const lines: string[] = [];
    for (const row of rows) {
      const refRate = (row.before.rate + row.after.rate) / 2;
      const refP99 = (row.before.p99Ms + row.after.p99Ms) / 2;
      const share = row.mixed.rate / refRate;
      const factor = row.mixed.p99Ms / refP99;
      const b = row.bad;
      const line =
        `${bad.name} x${row.connections}: hello ${rate(row.mixed.rate)} (alone ${rate(row.before.rate)} / ${rate(row.after.rate)}: ${pct(share)}), ` +
        `p99 ${msOrNone(row.mixed.p99Ms)} (alone ${ms(row.before.p99Ms)} / ${ms(row.after.p99Ms)} ms: ${factor.toFixed(1)}x), p50 ${msOrNone(row.mixed.p50Ms)}, hello failed ${helloErrors(row.mixed)}; ` +
        `${bad.name}: ${n(b.sent)} sent, ${tally(b)}, p50 ${ms(quantile(b.latencies, 0.5))} ms, max ${ms(quantile(b.latencies, 1))} ms, ${b.wrongCount} wrong, ${b.hung} hung; ` +
        `node RSS max ${row.rssMax.toFixed(0)} MiB, idle ${Number.isNaN(row.drainS) ? `not within ${HANG_MS / 1000} s` : `${row.drainS.toFixed(1)} s`} after the ${bad.name} load stopped`;
      const retried = row.retried
        ? ` (measured again: the first phase gave ${rate(row.retried.mixed.rate)}, p99 ${msOrNone(row.retried.mixed.p99Ms)} against alone ${ms(row.retried.before.p99Ms)} / ${ms(row.retried.after.p99Ms)} ms)`
        : "";
      lines.push(line + retried);
      console.log(`[saturation] ${line}${retried}`);
      const at = `${kind} x${row.connections}`;
      if (!(share >= THROUGHPUT_SHARE))
        problems.push(
          `${at}: hello throughput ${pct(share)} of alone (${rate(row.mixed.rate)} vs ${rate(refRate)}), goal >= ${pct(THROUGHPUT_SHARE)}`,
        );
      if (!(factor <= P99_FACTOR))
        problems.push(
          `${at}: hello p99 ${msOrNone(row.mixed.p99Ms)} = ${factor.toFixed(1)}x alone (${ms(refP99)} ms), goal <= ${P99_FACTOR}x`,
        );
      for (const r of row.retried ? [row.retried, row] : [row]) {
        const rb = r.bad;
        if (rb.wrongCount > 0)
          problems.push(
            `${at}: ${rb.wrongCount} ${bad.name} answers not its own outcome, e.g. ${rb.wrong.slice(0, 3).join(" | ")}`,
          );
        if (rb.hung > 0)
          problems.push(`${at}: ${rb.hung} ${bad.name} requests unanswered ${HANG_MS / 1000} s after they were sent`);
        if (rb.answered === 0) problems.push(`${at}: ${bad.name} never answered`);
      }
    }
    const failedHello = [...alone, ...rows.flatMap((r) => (r.retried ? [r.retried.mixed, r.mixed] : [r.mixed]))].reduce(
      (sum, r) => sum + helloErrors(r),
      0,
    );
    if (failedHello > 0)
      problems.push(`${failedHello} hello requests failed (non-2xx, socket errors or past ${HANG_MS / 1000} s)`);
    if (!alive) problems.push("the node died");
    console.log(
      `[saturation] hello alone, in order: ${alone.map((r) => `${rate(r.rate)} p99 ${ms(r.p99Ms)} ms`).join("; ")}`,
    );

    report({
      scenario: `Saturation: ${kind}`,
      tried: `hello under wrk -c${HEALTHY_CONNECTIONS} (${PHASE_S} s phases) on one edge node (2 workers + 2 spares) while ${levels.join(", ")} closed-loop connections hammer a function that ${bad.what}; the same hello load alone before and after each`,
      amount: lines.join("; "),
      lost:
        `${failedHello} hello requests failed; ${rows.reduce((s, r) => s + r.bad.wrongCount + (r.retried?.bad.wrongCount ?? 0), 0)} ${bad.name} answers not its own outcome, ${rows.reduce((s, r) => s + r.bad.hung + (r.retried?.bad.hung ?? 0), 0)} hung; ${alive ? 0 : 1} crashes` +
        (problems.length ? `; goals missed: ${problems.length}` : "; every goal met"),
    });
    expect(problems).toEqual([]);
  }, 180_000);
}

if (parts.includes("flood")) {
  test(`saturation, flood: hello's goodput at ${n(FLOOD_LEVELS.at(-1)!)} connections stays >= ${pct(FLOOD_SHARE)} of its goodput at ${FLOOD_LEVELS[0]}`, async () => {
    const url = edge!.url;
    const overloads = () => metric(url, "wasm_invoke_count_total", { function: "hello", outcome: "overload" });
    const rows: { connections: number; r: WrkResult; overload: number; rssMax: number }[] = [];
    for (const connections of FLOOD_LEVELS) {
      const before = await overloads();
      const rss = rssWatch(edge!);
      const r = await hello(FLOOD_S, connections);
      rows.push({ connections, r, overload: (await overloads()) - before, rssMax: await rss() });
      await drained(edge!, HANG_MS); // what wrk left in flight
    }
    const alive = edge!.alive() && (await get(`${url}/healthz`)).status === 200;
    const lines = rows.map(
      ({ connections, r, overload, rssMax }) =>
        `${n(connections)} connections: goodput ${rate(r.goodput)}, ${n(r.requests)} answers of which ${n(r.non2xx)} non-2xx (${pct(r.non2xx / Math.max(1, r.requests))}; ${n(overload)} counted as overload by the node), ` +
        `p50 ${msOrNone(r.p50Ms)}, p99 ${msOrNone(r.p99Ms)}, socket errors connect ${r.errors.connect} / read ${r.errors.read} / write ${r.errors.write} / timeout ${r.errors.timeout}; node RSS max ${rssMax.toFixed(0)} MiB`,
    );
    for (const line of lines) console.log(`[saturation] flood ${line}`);
    const first = rows[0]!.r;
    const last = rows.at(-1)!.r;
    const share = last.goodput / first.goodput;
    const problems: string[] = [];
    if (!(share >= FLOOD_SHARE))
      problems.push(
        `goodput at ${n(last.connections)} connections ${pct(share)} of goodput at ${first.connections} (${rate(last.goodput)} vs ${rate(first.goodput)}), goal >= ${pct(FLOOD_SHARE)}`,
      );
    const timeouts = rows.reduce((s, { r }) => s + r.errors.timeout, 0);
    if (timeouts > 0) problems.push(`${timeouts} wrk timeouts: requests unanswered ${HANG_MS / 1000} s`);
    if (!alive) problems.push("the node died");
    report({
      scenario: "Saturation: connection flood",
      tried: `hello alone under wrk at ${FLOOD_LEVELS.map(n).join(", ")} connections for ${FLOOD_S} s each, every connection coming straight back after a 503`,
      amount: `${lines.join("; ")}; goodput at ${n(last.connections)} = ${pct(share)} of ${first.connections}`,
      lost: `${timeouts} requests unanswered ${HANG_MS / 1000} s; ${alive ? 0 : 1} crashes${problems.length ? `; goals missed: ${problems.length}` : "; every goal met"}`,
    });
    expect(problems).toEqual([]);
  }, 120_000);
}
