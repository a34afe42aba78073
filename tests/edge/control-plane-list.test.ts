// --control-plane URL1,URL2,... (and EDGE_RUNNER_CONTROL_PLANE): the control planes a node may
// follow, each an http(s) base URL kept as its origin; a bad entry is named in one line, one
// named twice is refused, credentials in a URL are refused without being echoed.
import { expect, test } from "bun:test";
import { loadConfig } from "../../runner/config";
import { runRunnerToExit } from "../helpers/runner-process";

const ENV = { EDGE_RUNNER_TOKEN: "edge-token-0123456789" };
const planes = (text: string, env: Record<string, string> = {}) =>
  loadConfig(["--control-plane", text, "--node-id", "n1"], { ...ENV, ...env });

test("a comma-separated list is kept in order, each URL as its origin; one URL is a list of one", () => {
  expect(planes("http://cp-a:8080, https://CP-B:8443/,http://cp-c:80")).toMatchObject({
    ok: true,
    mode: "edge",
    config: { controlPlanes: ["http://cp-a:8080", "https://cp-b:8443", "http://cp-c"] },
  });
  expect(planes("http://cp:8080/")).toMatchObject({ ok: true, config: { controlPlanes: ["http://cp:8080"] } });
  const sixteen = Array.from({ length: 16 }, (_, i) => `http://cp-${i}:8080`);
  expect(planes(sixteen.join(","))).toMatchObject({ ok: true, config: { controlPlanes: sixteen } });
});

test("the list comes from EDGE_RUNNER_CONTROL_PLANE too, and the flag wins over it", () => {
  const env = { EDGE_RUNNER_CONTROL_PLANE: "http://env-a:1,http://env-b:2" };
  expect(loadConfig([], { ...ENV, ...env })).toMatchObject({
    ok: true,
    mode: "edge",
    config: { controlPlanes: ["http://env-a:1", "http://env-b:2"] },
  });
  expect(planes("http://flag:3", env)).toMatchObject({ ok: true, config: { controlPlanes: ["http://flag:3"] } });
  expect(loadConfig([], { ...ENV, EDGE_RUNNER_CONTROL_PLANE: "http://a:1,ftp://b" })).toMatchObject({
    ok: false,
    message: expect.stringContaining('"ftp://b"'),
  });
});

test("refused, naming the entry: a bad URL, a path or query, an empty entry, a duplicate, more than 16", () => {
  const refused = (text: string) => {
    const result = planes(text);
    if (result.ok !== false) throw new Error(`accepted: ${text}`);
    expect(result.message).toStartWith("invalid --control-plane: ");
    expect(result.message).not.toContain("\n");
    return result.message;
  };
  expect(refused("http://a:1,ftp://cp")).toContain('"ftp://cp" is not an http(s) base URL');
  expect(refused("http://a:1,cp:8080")).toContain('"cp:8080"');
  expect(refused("http://a:1/api")).toContain('"http://a:1/api"');
  expect(refused("http://a:1?x=1")).toContain('"http://a:1?x=1"');
  expect(refused("http://a:1,,http://b:2")).toContain("entry 2 is empty");
  expect(refused("http://a:1,")).toContain("entry 2 is empty");
  expect(refused("http://a:1,http://b:2,http://A:1/")).toContain('"http://A:1/" is named twice (as http://a:1)');
  expect(refused("http://a:80,http://a")).toContain("named twice");
  const seventeen = Array.from({ length: 17 }, (_, i) => `http://cp-${i}:8080`).join(",");
  expect(refused(seventeen)).toContain("17 URLs; at most 16");
  const withPassword = refused("http://a:1,http://user:hunter2-pass@b:2");
  expect(withPassword).toContain("entry 2 carries credentials");
  expect(withPassword).not.toContain("hunter2");
});

test("the CLI refuses a bad list with one line naming the entry and status 1", async () => {
  const exit = await runRunnerToExit(["--control-plane", "http://127.0.0.1:1,http//typo:2", "--port", "0"], ENV);
  expect(exit.code).toBe(1);
  expect(exit.stderr.trim().split("\n")).toEqual([
    'runner: invalid --control-plane: "http//typo:2" is not an http(s) base URL (scheme, host and port, e.g. http://127.0.0.1:8080) (see --help)',
  ]);
});
