// The front door of all three servers, as real processes: Host headers and request lines fuzzed
// over raw TCP. Whatever the Host, a request is routed by its path alone or refused with a 400
// (in the product's error shape, or Bun's parser's own bare 400/505 before our code runs); never
// a 5xx of ours, never a stack frame, an absolute path or a source line in a body, never a hang.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawSend, type RawReply } from "../helpers/raw-http";
import { guest, sample, samplePath } from "../fixtures/guests";
import { REPO_ROOT, type ServerProcess } from "../helpers/server-process";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { startRunnerProcess } from "../helpers/runner-process";
import { tempDir } from "../helpers/temp-dir";
import { TOKEN } from "../helpers/control-api";
import { until } from "../helpers/until";

const SEED = Number(process.env.FRONT_DOOR_SEED ?? 0x5eed18);
const RANDOM_HOSTS = 120;
const RANDOM_LINES = 120;
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

/** `{"error":{"code":"...","message":"...",...}}` */
function productError(body: string): boolean {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof error?.code === "string" && typeof error.message === "string";
  } catch {
    return false;
  }
}

/** What must never reach a client: a stack frame, a path on this machine, a source line, Bun's error page. */
function leaks(body: string): string | null {
  const checks: [string, RegExp][] = [
    ["stack frame", /^\s*at\s|\bat \S+ \(|\.(?:ts|js|mjs|tsx):\d+/m],
    [
      "absolute path",
      new RegExp(
        `${REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}|(?:^|[\\s"'(=])/(?:work|home|root|usr|tmp|opt|var|srv|proc)/`,
        "m",
      ),
    ],
    ["source line", /^\s*\d+\s+\|/m],
    ["error page", /<!doctype html|<html/i],
  ];
  for (const [what, pattern] of checks) if (pattern.test(body)) return `${what}: ${JSON.stringify(body.slice(0, 300))}`;
  return null;
}

/** The verdict on one exchange: null when it kept the promise, else why not. */
function judge(reply: RawReply, routed: ((reply: RawReply) => boolean) | null): string | null {
  if (reply.ended === "timeout") return "left open: neither answered nor closed";
  const leak = leaks(reply.raw);
  if (leak) return leak;
  const status = reply.statuses[0];
  if (status === undefined) return null; // closed unanswered: Bun's parser refused the bytes
  const ours = /\r\ncontent-type: application\/json/i.test(reply.raw.slice(0, reply.raw.indexOf("\r\n\r\n")));
  if (!ours) {
    // Bun's parser, before our code: a bare 400 (or 505 for a request line it reads as another HTTP version).
    if ((status === 400 || status === 505) && reply.body === "") return null;
  }
  if (status >= 500) return `status ${status}: ${JSON.stringify(reply.body.slice(0, 200))}`;
  if (status === 400)
    return productError(reply.body) ? null : `400 not in the error shape: ${JSON.stringify(reply.body.slice(0, 200))}`;
  if (routed && !routed(reply))
    return `routed to the wrong place: ${status} ${JSON.stringify(reply.body.slice(0, 200))}`;
  return null;
}

/** A small deterministic generator, so a failure can be replayed with FRONT_DOOR_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Half the random Hosts look like names (so they route), half are any bytes a header line may hold. */
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-";
const HOSTILE_CHARS = "abcxyz019.-:[]_~!$&'()*+,;=%@/?#\\ \t\"<>^`{|}\x7f\x80\xa0\xe9\xff";

function randomHosts(next: () => number): string[] {
  const hosts: string[] = [];
  for (let i = 0; i < RANDOM_HOSTS; i++) {
    const chars = i % 2 === 0 ? NAME_CHARS : HOSTILE_CHARS;
    const length = next() < 0.1 ? 200 + Math.floor(next() * 2000) : Math.floor(next() * 24);
    let host = "";
    for (let j = 0; j < length; j++) host += chars[Math.floor(next() * chars.length)];
    if (i % 2 === 0 && next() < 0.3) host += `:${Math.floor(next() * 70000)}`;
    hosts.push(host);
  }
  return hosts;
}

const FIXED_HOSTS = [
  "",
  " ",
  "a",
  "ab",
  "abc",
  "abcd",
  "a b",
  "x/y",
  "x/echo",
  "/echo",
  "x?y",
  "x#y",
  "x\\y",
  "@",
  "a@b",
  "%",
  "%2F",
  "é",
  "localhost",
  "127.0.0.1",
  "127.0.0.1:1",
  "x:99999",
  "x:",
  ":80",
  "[::1]",
  "[::1]:80",
  "[",
  "]",
  "a..b",
  ".",
  "..",
  "hello",
  "echo",
  "healthz",
  "x".repeat(255),
  "x".repeat(8000),
  "a\tb",
];

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
    const methods = [
      "GET",
      "HEAD",
      "POST",
      "PUT",
      "DELETE",
      "OPTIONS",
      "PATCH",
      "CONNECT",
      "TRACE",
      "get",
      "G\x00T",
      "GE T",
      "",
      "BREW",
      "X".repeat(300),
    ];
    const targets = [
      "/healthz",
      "/hello/echo",
      "*",
      "healthz",
      "//healthz",
      "/a/../healthz",
      "/%2e%2e/healthz",
      "/./hello/echo",
      "/hello/../echo",
      "http://evil/hello/echo",
      "https://evil:1/healthz",
      "evil:443",
      "/hello/echo?x=/y",
      "/%",
      "/%00",
      "/\x7f",
      "/é",
      "/hello echo",
      "/\\hello",
      "",
      "/" + "a".repeat(9000),
      "/hello/echo#frag",
      "?x",
      "/hello/echo/",
    ];
    const versions = [
      "HTTP/1.1",
      "HTTP/1.0",
      "HTTP/2.0",
      "HTTP/0.9",
      "HTTP/1.1 extra",
      "http/1.1",
      "HTTP/1.",
      "",
      "HTTP/1.1\x00",
    ];
    const lines = new Set<string>(["GARBAGE", "GET", "\x16\x03\x01\x02\x00", "PRI * HTTP/2.0"]);
    for (const target of targets) lines.add(`GET ${target} HTTP/1.1`);
    for (let i = 0; i < RANDOM_LINES; i++) {
      const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
      const sep = next() < 0.85 ? " " : pick(["  ", "\t", ""]);
      lines.add(`${pick(methods)}${sep}${pick(targets)}${sep}${pick(versions)}`);
    }
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
