// Slow clients: bodies trickled a byte at a time, a client that goes silent mid-body, clients that
// stop reading a large response. The body is read before a worker is involved and the response
// is built before it is sent, so none of them may hold the only worker; the body limit applies to
// trickled bodies, and the idle timeout (10 s) disconnects silent and stalled clients. A body
// trickled just fast enough to dodge the idle timeout must still end (slowloris).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { closedLoop, ms, quantile } from "./helpers/load";
import { n, report } from "./helpers/report";
import { rawClient, write } from "../helpers/raw-socket";
import { guest, type GuestName } from "../fixtures/guests";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";
import { type ServerProcess } from "../helpers/server-process";

const TRICKLERS = 50;
const STALLED = 20;
const MAX_BODY = 4096;
const runners: ServerProcess[] = [];
afterAll(() => Promise.all(runners.map((r) => r.stop("SIGKILL"))));

/** One byte every 5 s: under the idle timeout, so only a limit on the whole body can end it. */
const SLOWLORIS_BYTE_MS = 5_000;
const SLOWLORIS_BOUND_MS = 45_000;
let slowloris: Promise<{ cutAfterMs: number; bytesSent: number; answer: string }>;
beforeAll(async () => {
  // Started first and checked last, so its wait overlaps the other scenarios.
  const runner = await serve("body-echo", ["--max-body-bytes", String(MAX_BODY)]);
  const client = await rawClient(runner.url);
  const started = performance.now();
  await write(client, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY}\r\n\r\n`);
  slowloris = (async () => {
    let sent = 0;
    let open = true;
    void client.closed.then(() => (open = false));
    while (open && performance.now() - started < SLOWLORIS_BOUND_MS) {
      await write(client, "z");
      sent++;
      await Promise.race([Bun.sleep(SLOWLORIS_BYTE_MS), client.closed]);
    }
    const cutAfterMs = open ? Infinity : await client.closed;
    client.socket.destroy();
    return { cutAfterMs, bytesSent: sent, answer: client.text().split("\r\n")[0] ?? "" };
  })();
});

async function serve(fixture: GuestName, flags: string[]): Promise<ServerProcess> {
  const module = join(tempDir("rel-slow-"), `${fixture}.wasm`);
  writeFileSync(module, guest(fixture));
  const runner = await startRunnerProcess([module, "--workers", "1", "--log-level", "error", ...flags]);
  runners.push(runner);
  return runner;
}

test("trickled bodies and a silent client hold no worker; the body limit applies to a trickled body", async () => {
  const runner = await serve("body-echo", ["--max-body-bytes", String(MAX_BODY)]);

  // Goes silent after 3 of 100 bytes: the idle timeout must disconnect it.
  const silent = await rawClient(runner.url);
  await write(silent, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");

  // 50 clients each trickle a 40-byte body, one byte every 100 ms (4 s).
  const trickle = async (i: number) => {
    const client = await rawClient(runner.url);
    const body = `trickle-${String(i).padStart(3, "0")}-`.padEnd(40, "x");
    await write(client, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    for (const byte of body) {
      await write(client, byte);
      await Bun.sleep(100);
    }
    await client.closed;
    return client.text().startsWith("HTTP/1.1 200") && client.text().endsWith(body);
  };
  const trickling = Promise.all(Array.from({ length: TRICKLERS }, (_, i) => trickle(i)));
  // Meanwhile the one worker serves everyone else at once.
  const others = await closedLoop({
    url: `${runner.url}/`,
    init: { method: "POST", body: "ping" },
    concurrency: 2,
    durationMs: 3_000,
    check: (x) => x.status === 200 && x.text === "ping",
  });
  const trickled = await trickling;

  // A chunked body trickled in 512-byte chunks is refused once it passes the limit.
  const chunked = await rawClient(runner.url);
  await write(chunked, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  let sent = 0;
  while (chunked.received() === 0 && sent < 64 * 1024) {
    await write(chunked, `200\r\n${"y".repeat(512)}\r\n`);
    sent += 512;
    await Bun.sleep(50);
  }
  const refusedAt = sent;
  chunked.socket.destroy();

  const silentFor = await Promise.race([silent.closed, Bun.sleep(30_000).then(() => Infinity)]);
  const p99 = quantile(others.latencies, 0.99);
  console.log(
    `${TRICKLERS} trickled bodies: ${trickled.filter(Boolean).length} echoed whole; meanwhile ${others.ok} other requests on the one worker (p99 ${ms(p99)} ms); ` +
      `chunked trickle refused after ${refusedAt} bytes (limit ${MAX_BODY}); silent client disconnected after ${(silentFor / 1000).toFixed(1)} s`,
  );
  report({
    scenario: "Slow request bodies",
    tried: `${TRICKLERS} bodies trickled a byte per 100 ms into a 1-worker runner; a chunked body trickled past the ${MAX_BODY}-byte limit; a client silent mid-body`,
    amount: `${n(others.sent)} other requests served meanwhile (p99 ${ms(p99)} ms); 413 after ${refusedAt} bytes; silent client cut after ${(silentFor / 1000).toFixed(1)} s`,
    lost: `${others.failed} other requests failed, ${trickled.filter((ok) => !ok).length} trickled bodies lost; no worker held`,
  });

  expect(others.failures).toEqual([]);
  expect(others.ok).toBeGreaterThan(100);
  expect(p99).toBeLessThan(1_000); // a held worker would make them wait the whole 4 s
  expect(trickled.every(Boolean)).toBe(true);
  expect(chunked.text()).toStartWith("HTTP/1.1 413");
  expect(refusedAt).toBeLessThanOrEqual(MAX_BODY + 1024);
  expect(silentFor).toBeGreaterThan(5_000);
  expect(silentFor).toBeLessThan(25_000);
}, 60_000);

test("clients that stop reading a 16 MiB response hold no worker, and are dropped with their buffers after the idle timeout", async () => {
  const runner = await serve("huge-response", []);
  const rssBefore = runner.rssMb();
  const FULL = 16 * 1024 * 1024;
  const stalled = await Promise.all(Array.from({ length: STALLED }, () => rawClient(runner.url, { paused: true })));
  for (const client of stalled) await write(client, "GET / HTTP/1.1\r\nHost: x\r\nx-chunks: 256\r\n\r\n");
  await Bun.sleep(2_000);
  const rssPeak = runner.rssMb();
  const others = await closedLoop({
    url: `${runner.url}/`,
    init: { headers: { "x-chunks": "1" } },
    concurrency: 1,
    durationMs: 2_000,
    check: (x) => x.status === 200 && x.text.length === 65536,
  });

  // After the idle timeout the runner has given up on them: reading now gets what was in the
  // socket buffers and then the end, not the whole 16 MiB.
  await Bun.sleep(14_000);
  const rssAfter = runner.rssMb();
  for (const client of stalled) client.socket.resume();
  const ends = await Promise.all(
    stalled.map((c) => Promise.race([c.closed.then(() => c.received()), Bun.sleep(10_000).then(() => -1)])),
  );
  const truncated = ends.filter((bytes) => bytes >= 0 && bytes < FULL).length;
  console.log(
    `${STALLED} stalled readers of 16 MiB: RSS ${rssBefore.toFixed(0)} -> ${rssPeak.toFixed(0)} MiB while stalled -> ${rssAfter.toFixed(0)} MiB after the idle timeout; ` +
      `${others.ok} other requests meanwhile (p99 ${ms(quantile(others.latencies, 0.99))} ms); ${truncated} connections dropped by the runner; received ${ends.map((b) => (b / 2 ** 20).toFixed(1)).join(" ")} MiB`,
  );
  report({
    scenario: "Stalled readers",
    tried: `${STALLED} clients asking for a 16 MiB response each and never reading, on a 1-worker runner`,
    amount: `RSS ${rssBefore.toFixed(0)} -> ${rssPeak.toFixed(0)} MiB while stalled, ${rssAfter.toFixed(0)} MiB after the 10 s idle timeout; ${n(others.sent)} other requests meanwhile`,
    lost: `${others.failed} other requests failed; ${truncated} of ${STALLED} stalled connections dropped; no worker held`,
  });

  expect(others.failures).toEqual([]);
  expect(others.ok).toBeGreaterThan(10);
  expect(truncated).toBe(STALLED);
  expect(rssAfter).toBeLessThan(rssBefore + (rssPeak - rssBefore) / 2 + 32);
}, 60_000);

test("a body trickled just under the idle timeout (one byte every 5 s) is still cut off", async () => {
  const { cutAfterMs, bytesSent, answer } = await slowloris;
  console.log(
    `slowloris: ${bytesSent} bytes in ${Number.isFinite(cutAfterMs) ? `${(cutAfterMs / 1000).toFixed(1)} s, then cut (${answer || "closed"})` : `${SLOWLORIS_BOUND_MS / 1000} s and still open`}`,
  );
  report({
    scenario: "Slowloris body",
    tried: `a body of ${MAX_BODY} bytes trickled one byte every ${SLOWLORIS_BYTE_MS / 1000} s (under the 10 s idle timeout)`,
    amount: `${bytesSent} bytes sent`,
    lost: Number.isFinite(cutAfterMs)
      ? `nothing: cut after ${(cutAfterMs / 1000).toFixed(1)} s`
      : `a connection held for all of the ${SLOWLORIS_BOUND_MS / 1000} s tried: no limit on the time to send a body`,
  });
  // A limit on the whole body (e.g. a minimum rate after a grace period) ends it within 30 s.
  expect(cutAfterMs).toBeLessThan(30_000);
}, 60_000);
