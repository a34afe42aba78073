// Overload: 200 clients hammer a runner that has one worker and a queue of 8, each sending its
// next request the moment it is answered. The excess waits at most --overload-wait-ms (1 s, the
// default) for a place, then gets 503 + Retry-After (never a hang, never a crash), while the
// worker keeps running admitted requests at close to its maximum. The wait is what keeps clients
// that retry at once from taking the HTTP thread with their retries.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { closedLoop, ms, quantile, type Exchange } from "./helpers/load";
import { n, report } from "./helpers/report";
import { guest } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";
import { type ServerProcess } from "../helpers/server-process";

const WAIT_MS = 20; // each admitted request keeps the worker busy this long: at most 50 per second
// Below the 256 connections Bun's fetch opens to one host: more would queue in the client, and the
// 503s' latency would count that wait too.
const CLIENTS = 200;

let runner: ServerProcess | undefined;
afterAll(() => runner?.stop("SIGKILL"));

test("overload: far more concurrent requests than workers and queue get 503s within the overload wait; admitted throughput stays near the maximum", async () => {
  const module = join(tempDir("rel-overload-"), "busy.wasm");
  writeFileSync(module, guest("busy-wait"));
  runner = await startRunnerProcess([
    module,
    "--workers",
    "1",
    "--spare-workers",
    "0",
    "--queue",
    "8",
    "--max-execution-ms",
    "2000",
    "--log-level",
    "error",
  ]);
  const init = { headers: { "x-wait-ms": String(WAIT_MS) } };
  const url = `${runner.url}/`;

  // The maximum: a few clients, never more than the worker and queue hold.
  const calm = await closedLoop({ url, init, concurrency: 4, durationMs: 4_000, check: (x) => x.status === 200 });
  const maximum = calm.ok / calm.seconds;

  const latency = { 200: [] as number[], 503: [] as number[] };
  let noRetryAfter = 0;
  const storm = await closedLoop({
    url,
    init,
    concurrency: CLIENTS,
    durationMs: 10_000,
    timeoutMs: 15_000,
    check: (x: Exchange) => {
      if (x.status === 503 && x.headers?.get("retry-after") !== "1") noRetryAfter++;
      if (x.status !== 200 && x.status !== 503) return false;
      latency[x.status].push(x.ms);
      return x.status === 503 ? x.text.includes('"code":"overload"') : x.text === "waited";
    },
  });
  const admitted = latency[200].length / storm.seconds;
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  const refused = sorted(latency[503]);
  const served = sorted(latency[200]);
  const alive = runner.alive() && (await get(`${runner.url}/healthz`)).status === 200;

  console.log(
    `overload: maximum ${maximum.toFixed(1)}/s; with ${CLIENTS} clients ${n(storm.sent)} requests in ${storm.seconds.toFixed(1)} s: ` +
      `${latency[200].length} admitted (${admitted.toFixed(1)}/s, ${((admitted / maximum) * 100).toFixed(0)}% of the maximum; p99 ${ms(quantile(served, 0.99))} ms), ` +
      `${n(refused.length)} refused with 503 (p50 ${ms(quantile(refused, 0.5))} ms, p99 ${ms(quantile(refused, 0.99))} ms, max ${ms(quantile(refused, 1))} ms), other ${storm.failed}`,
  );
  report({
    scenario: "Overload",
    tried: `${CLIENTS} clients hammering one worker (queue 8) with ${WAIT_MS} ms requests for 10 s, each retrying at once`,
    amount:
      `${n(storm.sent)} requests: ${n(latency[200].length)} admitted at ${((admitted / maximum) * 100).toFixed(0)}% of the maximum (${admitted.toFixed(1)} of ${maximum.toFixed(1)}/s); ` +
      `${n(refused.length)} got 503 in p50 ${ms(quantile(refused, 0.5))} / p99 ${ms(quantile(refused, 0.99))} ms`,
    lost: `${storm.failed} hangs, errors or other answers; ${alive ? 0 : 1} crashes`,
  });

  expect(storm.failures).toEqual([]);
  expect(noRetryAfter).toBe(0);
  // It really was overloaded: each refused client waited its second, yet a third of the answers were 503s.
  expect(refused.length).toBeGreaterThan(storm.sent / 3);
  // Bounded: a 503 comes once the request has waited its 1 s for a place (the pool checks every
  // 20 ms), never after waiting for the worker to get through what was queued before it.
  expect(quantile(refused, 1)).toBeLessThan(1_500);
  expect(admitted / maximum).toBeGreaterThan(0.7);
  expect(alive).toBe(true);
}, 60_000);
