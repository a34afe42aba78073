// Guests trying to get out: memory outside their own through host calls, huge and negative
// lengths, response header injection (CR/LF and other control characters), a 1 GiB response,
// logging floods, and env_get of names not configured for them (the host's environment, the
// node's token, another function's secret, prototype names). Each attempt ends as the guest's
// own 500 (or a refused lookup) and the node keeps serving, with no worker lost.
import { afterAll, expect, test } from "bun:test";
import { n, report } from "./helpers/report";
import { rawExchange } from "../helpers/raw-http";
import { guest, type GuestName } from "../fixtures/guests";
import { get } from "../helpers/fetch-text";
import { READ_TOKEN } from "../helpers/control-api";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startRunnerProcess } from "../helpers/runner-process";
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

const HOST_SECRET = "host-secret-value-0123456789";
const MAX_LOG_LINES = 100;

/** The product's error body for `code`, nothing more (no guest detail, no stack). */
function isOutcome(answer: { status: number; text: string }, code: string, status = 500): boolean {
  if (answer.status !== status) return false;
  try {
    const body = JSON.parse(answer.text) as { error: Record<string, unknown> };
    return (
      Object.keys(body).length === 1 &&
      body.error.code === code &&
      Object.keys(body.error).sort().join() === "code,message,request_id"
    );
  } catch {
    return false;
  }
}

test("guests cannot reach outside their memory, inject headers, flood responses or logs, or read env they were not given", async () => {
  control = await startControlProcess(tempDir("rel-escape-control-"));
  const deploy = async (name: string, fixture: GuestName, settings: Record<string, unknown> = {}) => {
    const fn = await control!.createFunction({ name, ...settings });
    await control!.upload(fn.id, guest(fixture));
  };
  await deploy("oob", "oob-pointer");
  await deploy("calls", "hostile-calls");
  await deploy("inject", "header-injection");
  await deploy("huge", "huge-response");
  await deploy("flood", "log-flood");
  await deploy("env", "env-get", { env: { MINE: "mine" } });
  await deploy("neighbour", "env-get", { env: { SECRET_A: "neighbour-secret" } });
  // The node's token comes from its environment here, next to a secret of the host's.
  edge = await startRunnerProcess(
    [
      "--control-plane",
      control.url,
      "--cache-dir",
      tempDir("rel-escape-edge-"),
      "--node-id",
      "escape",
      "--workers",
      "2",
      "--log-level",
      "info",
      "--max-log-lines",
      String(MAX_LOG_LINES),
    ],
    {
      env: { EDGE_RUNNER_TOKEN: READ_TOKEN, HOST_SECRET },
      timeoutMs: 20_000,
    },
  );
  const url = edge.url;
  await until(
    "every function routed",
    async () => (await get(`${url}/neighbour`, { method: "POST", body: "SECRET_A" })).text === "[neighbour-secret]",
  );
  const rssStart = edge.rssMb();

  const wrong: string[] = [];
  const expectAnswer = async (
    what: string,
    path: string,
    init: RequestInit,
    ok: (a: { status: number; text: string }) => boolean,
  ) => {
    const answer = await get(`${url}${path}`, init);
    if (!ok(answer)) wrong.push(`${what}: ${answer.status} ${answer.text.slice(0, 120)}`);
    // After every attempt, the same function still serves an honest request on the same workers.
    return answer;
  };
  let attempts = 0;

  // Memory outside the guest's own, through every host call; huge and negative lengths.
  for (const kase of "0123456789") {
    attempts++;
    await expectAnswer(`oob case ${kase}`, "/oob", { headers: { "x-case": kase } }, (a) => isOutcome(a, "trap"));
  }
  for (const kase of "abcdefghij") {
    attempts++;
    await expectAnswer(`guest call ${kase}`, "/calls", { headers: { "x-case": kase } }, (a) => isOutcome(a, "trap"));
  }
  await expectAnswer("oob honest", "/oob", {}, (a) => a.status === 200 && a.text === "!in bounds");
  await expectAnswer("calls honest", "/calls", {}, (a) => a.status === 200 && a.text === "ok");

  // Header injection: CR, LF, NUL and the other control characters never reach the wire.
  const injections = [
    "a\r\nx-evil: 1",
    "a\nx-evil: 1",
    "a\rx-evil: 1",
    "a\u0000b",
    "\r\n\r\n<html>",
    "a\u0001b",
    "\u001b[31mred",
    "a\u007fb",
    "a\u000bb",
  ];
  for (const value of injections) {
    attempts++;
    const raw = await rawExchange(
      url,
      "POST",
      "/inject",
      { "content-type": "application/octet-stream" },
      new TextEncoder().encode(value),
    );
    const onWire = Object.entries(raw.headers).some(
      ([k, v]) => k === "x-evil" || (k === "x-injected" && /[\x00-\x08\x0a-\x1f\x7f]/.test(v)),
    );
    if (raw.status !== 500 || onWire)
      wrong.push(`injection ${JSON.stringify(value)}: ${raw.status} ${JSON.stringify(raw.headers)}`);
  }
  await expectAnswer("inject honest", "/inject", { method: "POST", body: "clean value" }, (a) => a.status === 200);

  // A 1 GiB response: cut at the response limit (16 MiB), the node's memory with it.
  for (let i = 0; i < 3; i++) {
    attempts++;
    await expectAnswer("1 GiB response", "/huge", { headers: { "x-chunks": "16384" } }, (a) =>
      isOutcome(a, "response_too_large"),
    );
  }

  // Logging floods: 10,000 lines (one of 10 KB) per invocation, 20 invocations.
  const linesBefore = edge.lines().length;
  for (let i = 0; i < 20; i++) {
    attempts++;
    await expectAnswer("log flood", "/flood", {}, (a) => a.status === 200 && a.text === "flooded");
  }
  await Bun.sleep(200);
  const flood = edge
    .lines()
    .slice(linesBefore)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const guestLines = flood.filter((l) => l.source === "guest");
  const longest = Math.max(...guestLines.map((l) => String(l.msg).length));
  const dropWarnings = flood.filter((l) => l.msg === "guest log lines dropped");

  // env_get: only what the function was given.
  const names = [
    "MINE",
    "SECRET_A",
    "HOST_SECRET",
    "EDGE_RUNNER_TOKEN",
    "PATH",
    "HOME",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "",
    "MINE\u0000",
    "mine",
  ];
  const env: [string, string][] = [];
  for (const name of names) {
    attempts++;
    env.push([name, (await get(`${url}/env`, { method: "POST", body: name })).text]);
  }
  const expectedEnv = names.map((name): [string, string] => [name, name === "MINE" ? "[mine]" : "(unset)"]);

  const restarts = await metric(url, "wasm_worker_restarts");
  const rssEnd = edge.rssMb();
  const alive = edge.alive() && (await get(`${url}/healthz`)).status === 200;
  const logs = edge.lines().join("\n");
  const leaked = [READ_TOKEN, HOST_SECRET].filter((secret) => logs.includes(secret));

  console.log(
    `guest escapes: ${attempts} attempts; ${wrong.length} answered wrongly; log flood: ${guestLines.length} guest lines kept of 200,000 (longest ${longest} chars), ${dropWarnings.length} drop warnings; ` +
      `env: ${JSON.stringify(env)}; RSS ${rssStart.toFixed(0)} -> ${rssEnd.toFixed(0)} MiB; workers replaced ${restarts}`,
  );
  report({
    scenario: "Guest escapes",
    tried:
      "out-of-bounds pointers in every host call, lengths 0x7fffffff / 0x80000000 / -1, header values with CR, LF, NUL and other control characters, a 1 GiB response, 10,000-line log floods, env_get of the host's, the node's and a neighbour's variables",
    amount: `${attempts} attempts; ${n(20 * 10_000)} log lines tried, ${guestLines.length} kept (each at most ${longest} chars); RSS ${rssStart.toFixed(0)} -> ${rssEnd.toFixed(0)} MiB`,
    lost: `${wrong.length} attempts not ended by the sandbox, ${env.filter(([, v], i) => v !== expectedEnv[i]![1]).length} env names leaked, ${leaked.length} secrets in the node's logs, ${restarts} workers replaced, ${alive ? 0 : 1} crashes`,
  });

  expect(wrong).toEqual([]);
  expect(guestLines.length).toBeLessThanOrEqual(20 * MAX_LOG_LINES);
  expect(longest).toBeLessThanOrEqual(4096);
  expect(dropWarnings.length).toBe(20);
  expect(env).toEqual(expectedEnv);
  expect(leaked).toEqual([]);
  expect(restarts).toBe(0);
  expect(rssEnd - rssStart).toBeLessThan(100);
  expect(alive).toBe(true);
}, 120_000);
