// The inputs of the front-door fuzz (host-fuzz.test.ts): Host headers and request lines, fixed
// and drawn from a seeded generator, so a failure can be replayed with FRONT_DOOR_SEED.

const RANDOM_HOSTS = 120;
const RANDOM_LINES = 120;

/** A small deterministic generator, so a failure can be replayed with FRONT_DOOR_SEED. */
export function random(seed: number): () => number {
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

export function randomHosts(next: () => number): string[] {
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

export const FIXED_HOSTS = [
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

/** Request lines: fixed oddities, every target after GET, then random methods, targets and versions. */
export function requestLines(next: () => number): Set<string> {
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
  return lines;
}
