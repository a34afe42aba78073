// Edge mode's configuration: chosen by --control-plane, flags > env > defaults, no module path,
// no per-function flags, and a token that is required and never echoed.
import { expect, test } from "bun:test";
import { loadConfig, loadRunnerConfig } from "../../runner/config";
import { runCliToExit } from "../helpers/cli-runner";

const TOKEN = "edge-token-0123456789";

test("--control-plane selects edge mode with its defaults", () => {
  const result = loadConfig(["--control-plane", "http://cp:8080", "--token", TOKEN, "--port", "3100", "--node-id", "n1"], {});
  expect(result).toMatchObject({ ok: true, mode: "edge", config: { controlPlane: "http://cp:8080", token: TOKEN, port: 3100, nodeId: "n1", cacheDir: ".edge-cache/n1", cacheMb: 256, diskMb: 1024, prefetchConcurrency: 4, host: "0.0.0.0" } });
});

test("flags win over EDGE_RUNNER_* which win over defaults; the environment alone can select edge mode", () => {
  const env = { EDGE_RUNNER_CONTROL_PLANE: "http://env:8080", EDGE_RUNNER_TOKEN: TOKEN, EDGE_RUNNER_CACHE_MB: "64", EDGE_RUNNER_NODE_ID: "from-env" };
  expect(loadConfig(["--cache-mb", "32"], env)).toMatchObject({ ok: true, mode: "edge", config: { controlPlane: "http://env:8080", cacheMb: 32, nodeId: "from-env", cacheDir: ".edge-cache/from-env" } });
  expect(loadConfig(["hello.wasm"], {})).toMatchObject({ ok: true, mode: "single", config: { module: "hello.wasm" } });
});

test("refused: a module path, per-function flags, a missing or malformed token (never echoed), a bad URL", () => {
  const edge = ["--control-plane", "http://cp:8080", "--token", TOKEN];
  expect(loadConfig([...edge, "hello.wasm"], {})).toMatchObject({ ok: false, message: expect.stringContaining("drop the module path") });
  expect(loadConfig([...edge, "--memory-pages", "4"], {})).toMatchObject({ ok: false, message: expect.stringContaining("--memory-pages is set per function") });
  expect(loadConfig([...edge, "--env", "A=1"], {})).toMatchObject({ ok: false, message: expect.stringContaining("--env") });
  expect(loadConfig(["--control-plane", "http://cp:8080"], {})).toMatchObject({ ok: false, message: expect.stringContaining("--token") });
  const short = loadConfig(["--control-plane", "http://cp:8080", "--token", "s3cret"], {});
  expect(short).toMatchObject({ ok: false, message: expect.stringContaining("--token") });
  expect(JSON.stringify(short)).not.toContain("s3cret");
  expect(loadConfig(["--control-plane", "ftp://cp", "--token", TOKEN], {})).toMatchObject({ ok: false, message: expect.stringContaining("--control-plane") });
  expect(loadRunnerConfig(["hello.wasm", "--cache-mb", "3"], {})).toMatchObject({ ok: false, message: expect.stringContaining("edge mode") });
});

test("the CLI refuses a bad edge start with one line and status 1, without printing the token", async () => {
  const exit = await runCliToExit(["--control-plane", "http://127.0.0.1:1", "--token", "short-secret", "--port", "0"]);
  expect(exit.code).toBe(1);
  expect(exit.stderr).toStartWith("runner: invalid --token");
  expect(exit.stderr + exit.stdout).not.toContain("short-secret");
});
