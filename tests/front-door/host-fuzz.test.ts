// The front door of all three servers, as real processes: Host headers and request lines fuzzed
// over raw TCP. Whatever the Host, a request is routed by its path alone or refused with a 400
// (in the product's error shape, or Bun's parser's own bare 400/505 before our code runs); never
// a 5xx of ours, never a stack frame, an absolute path or a source line in a body, never a hang.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawSend, type RawReply } from "../helpers/raw-http";
import { guest, sample, samplePath } from "../fixtures/guests";
import type { ServerProcess } from "../helpers/server-process";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";
import { TOKEN } from "../helpers/control-api";
import { until } from "../helpers/until";
import { FIXED_HOSTS, random, randomHosts, requestLines } from "./fuzz-inputs";
import { judge, productError } from "./fuzz-verdict";

const SEED = Number(process.env.FRONT_DOOR_SEED ?? 0x5eed18);
const HELLO = "Hello, World!";

let control: ControlProcess;
let edge: ServerProcess;
let runner: ServerProcess;

beforeAll(async () => {
  control = await startControlProcess(tempDir("front-door-control-"));
  const hello = await control.createFunction({ name: "hello", routes: ["/hello", "/hello/*"] });
  await control.upload(hello.id, sample("hello_world"));
  const echo = await control.createFunction({ name: "echo", routes: ["/echo", "/echo/*"] });
  await control.upload(echo.id, guest("echo"));
  edge = await startEdgeProcess(control.url, tempDir("front-door-edge-"), "front-door-node");
  await until(
    "the edge node serves both functions",
    async () =>
      (await (await fetch(`${edge.url}/echo`)).status) === 200 &&
      (await (await fetch(`${edge.url}/hello`)).text()) === HELLO,
  );
  runner = await startRunnerProcess([samplePath("hello_world"), "--log-level", "warn"]);
}, 60_000);
afterAll(() => Promise.all([runner?.stop("SIGKILL"), edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

interface Server {
  name: string;
  url: string;
  /** path -> what a routed (non-400) answer must be. */
  expect: Record<string, (reply: RawReply) => boolean>;
}

const healthy = (reply: RawReply) => reply.statuses[0] === 200 && reply.body.startsWith('{"status":"ok"');
const hello = (reply: RawReply) => reply.statuses[0] === 200 && reply.body === HELLO;
const unauthorized = (reply: RawReply) => reply.statuses[0] === 401 && productError(reply.body);

function servers(): Server[] {
  return [
    { name: "control plane", url: control.url, expect: { "/healthz": healthy, "/api/v1/functions": unauthorized } },
    { name: "edge node", url: edge.url, expect: { "/healthz": healthy, "/hello/echo": hello } },
    { name: "runner", url: runner.url, expect: { "/healthz": healthy, "/hello/echo": hello } },
  ];
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

describe("the front door of the control plane, an edge node and a runner", () => {
  test("an HTTP/1.0 health check without a Host gets 200 from every server", async () => {
    for (const server of servers()) {
      const reply = await rawSend(server.url, "GET /healthz HTTP/1.0\r\n\r\n");
      expect(`${server.name}: ${judge(reply, healthy) ?? "ok"}`).toBe(`${server.name}: ok`);
      expect(reply.statuses).toEqual([200]);
    }
  });

  test("a Host of 1 to 3 characters, or none, does not change routing; a Host Bun cannot use is a 400 in the error shape", async () => {
    for (const server of servers()) {
      for (const [path, routed] of Object.entries(server.expect)) {
        for (const host of ["a", "ab", "abc", null]) {
          const reply = await rawSend(
            server.url,
            `GET ${path} HTTP/1.${host === null ? 0 : 1}\r\n${host === null ? "" : `Host: ${host}\r\n`}Connection: close\r\n\r\n`,
          );
          expect(`${server.name} ${path} Host ${host}: ${routed(reply) ? "routed" : reply.raw.slice(0, 300)}`).toBe(
            `${server.name} ${path} Host ${host}: routed`,
          );
        }
        const bad = await rawSend(server.url, `GET ${path} HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n`);
        expect(bad.statuses).toEqual([400]);
        expect((JSON.parse(bad.body) as { error: { code: string } }).error.code).toBe("bad_request");
      }
    }
    // A request with no Host reaches the control plane's API like any other (auth included).
    const listed = await rawSend(
      control.url,
      `GET /api/v1/functions HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    );
    expect(listed.statuses).toEqual([200]);
    expect(listed.body).toContain('"name":"hello"');
  });

  test("fuzzed Host headers: routed by the path alone or refused with a 400; no 5xx, no leak, no hang", async () => {
    const hosts = [...FIXED_HOSTS, ...randomHosts(random(SEED))];
    const failures: string[] = [];
    const counts = { requests: 0, routed: 0, refused: 0, unanswered: 0 };
    const cases = servers().flatMap((server) =>
      Object.entries(server.expect).flatMap(([path, routed]) =>
        hosts.flatMap((host) => ["1.0", "1.1"].map((version) => ({ server, path, routed, host, version }))),
      ),
    );
    await inBatches(cases, 16, async ({ server, path, routed, host, version }) => {
      const reply = await rawSend(
        server.url,
        `GET ${path} HTTP/${version}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      counts.requests++;
      if (reply.statuses.length === 0) counts.unanswered++;
      else if (reply.statuses[0] === 400) counts.refused++;
      else counts.routed++;
      const why = judge(reply, routed);
      if (why)
        failures.push(`${server.name} GET ${path} HTTP/${version} Host ${JSON.stringify(host.slice(0, 80))}: ${why}`);
    });
    console.log(
      `Host fuzz (seed ${SEED}): ${counts.requests} requests, ${counts.routed} routed by path, ${counts.refused} refused with 400, ${counts.unanswered} closed unanswered by Bun's parser`,
    );
    expect(failures).toEqual([]);
  }, 120_000);

  test("fuzzed request lines: answered, refused with a 400 (or Bun's 505), or closed; no 5xx of ours, no leak, no hang", async () => {
    const next = random(SEED + 1);
    const lines = requestLines(next);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    const cases = servers().flatMap((server) =>
      [...lines].flatMap((line) => [true, false].map((withHost) => ({ server, line, withHost }))),
    );
    await inBatches(cases, 16, async ({ server, line, withHost }) => {
      const reply = await rawSend(
        server.url,
        `${line}\r\n${withHost ? "Host: 127.0.0.1\r\n" : ""}Connection: close\r\n\r\n`,
      );
      const key = String(reply.statuses[0] ?? "closed");
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      // A routed answer may be any function's or route's: only the shape and the leaks are judged here.
      const why = judge(reply, null);
      if (why)
        failures.push(`${server.name} ${JSON.stringify(line.slice(0, 120))}${withHost ? "" : " (no Host)"}: ${why}`);
    });
    console.log(
      `request-line fuzz (seed ${SEED + 1}): ${cases.length} requests; statuses ${[...statuses].map(([s, c]) => `${s}: ${c}`).join(", ")}`,
    );
    expect(failures).toEqual([]);
  }, 120_000);
});
