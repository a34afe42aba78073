// Edge mode's configuration: chosen by --control-plane, flags > env > defaults, no module path,
// no per-function flags, and a token that is required, never taken from the command line and
// never echoed.
import { expect, test } from "bun:test";
import { loadConfig, loadRunnerConfig } from "../../runner/config";
import { runRunnerToExit } from "../helpers/runner-process";
import { tokenFile } from "../helpers/token-file";

const TOKEN = "edge-token-0123456789";
const ENV = { EDGE_RUNNER_TOKEN: TOKEN };

test("--control-plane selects edge mode with its defaults", () => {
  const result = loadConfig(["--control-plane", "http://cp:8080", "--port", "3100", "--node-id", "n1"], ENV);
  expect(result).toMatchObject({
    ok: true,
    mode: "edge",
    warnings: [],
    config: {
      controlPlanes: ["http://cp:8080"],
      token: TOKEN,
      port: 3100,
      nodeId: "n1",
      cacheDir: ".edge-cache/n1",
      cacheMb: 256,
      diskMb: 1024,
      prefetchConcurrency: 4,
      host: "0.0.0.0",
    },
  });
});

test("flags win over EDGE_RUNNER_* which win over defaults; the environment alone can select edge mode", () => {
  const env = {
    EDGE_RUNNER_CONTROL_PLANE: "http://env:8080",
    EDGE_RUNNER_TOKEN: TOKEN,
    EDGE_RUNNER_CACHE_MB: "64",
    EDGE_RUNNER_NODE_ID: "from-env",
  };
  expect(loadConfig(["--cache-mb", "32"], env)).toMatchObject({
    ok: true,
    mode: "edge",
    config: { controlPlanes: ["http://env:8080"], cacheMb: 32, nodeId: "from-env", cacheDir: ".edge-cache/from-env" },
  });
  expect(loadConfig(["hello.wasm"], {})).toMatchObject({ ok: true, mode: "single", config: { module: "hello.wasm" } });
});

test("the token from --token-file (trailing newline dropped) wins over EDGE_RUNNER_TOKEN_FILE and EDGE_RUNNER_TOKEN", () => {
  const file = tokenFile("token", "file-token-0123456789\n");
  const other = tokenFile("other", "other-token-0123456789\n");
  expect(loadConfig(["--control-plane", "http://cp:8080", "--token-file", file], ENV)).toMatchObject({
    ok: true,
    config: { token: "file-token-0123456789" },
  });
  expect(loadConfig(["--control-plane", "http://cp:8080"], { EDGE_RUNNER_TOKEN_FILE: other })).toMatchObject({
    ok: true,
    config: { token: "other-token-0123456789" },
  });
  const readable = loadConfig(
    ["--control-plane", "http://cp:8080", "--token-file", tokenFile("readable", "readable-token-0123456789", 0o640)],
    {},
  );
  expect(readable).toMatchObject({ ok: true, warnings: [expect.stringContaining("readable by group or others")] });
  expect(
    loadConfig(["--control-plane", "http://cp:8080", "--token-file", tokenFile("writable", TOKEN, 0o646)], {}),
  ).toMatchObject({ ok: false, message: expect.stringContaining("writable by group or others") });
});

test("refused: a token on the command line, a module path, per-function flags, a missing or malformed token (never echoed), a bad URL", () => {
  const onArgv = loadConfig(["--control-plane", "http://cp:8080", "--token", TOKEN], {});
  if (onArgv.ok !== false) throw new Error("a token on the command line was accepted");
  expect(onArgv.message).toContain("--token-file");
  expect(onArgv.message).toContain("EDGE_RUNNER_TOKEN");
  expect(onArgv.message).not.toContain(TOKEN);
  const edge = ["--control-plane", "http://cp:8080"];
  expect(loadConfig([...edge, "hello.wasm"], ENV)).toMatchObject({
    ok: false,
    message: expect.stringContaining("drop the module path"),
  });
  expect(loadConfig([...edge, "--memory-pages", "4"], ENV)).toMatchObject({
    ok: false,
    message: expect.stringContaining("--memory-pages is set per function"),
  });
  expect(loadConfig([...edge, "--env", "A=1"], ENV)).toMatchObject({
    ok: false,
    message: expect.stringContaining("--env"),
  });
  expect(loadConfig(edge, {})).toMatchObject({ ok: false, message: expect.stringContaining("--token-file") });
  const short = loadConfig(edge, { EDGE_RUNNER_TOKEN: "s3cret" });
  expect(short).toMatchObject({ ok: false, message: expect.stringContaining("invalid token from EDGE_RUNNER_TOKEN") });
  expect(JSON.stringify(short)).not.toContain("s3cret");
  expect(loadConfig(["--control-plane", "ftp://cp"], ENV)).toMatchObject({
    ok: false,
    message: expect.stringContaining("--control-plane"),
  });
  expect(loadRunnerConfig(["hello.wasm", "--cache-mb", "3"], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("edge mode"),
  });
  expect(loadRunnerConfig(["hello.wasm", "--token-file", "/x"], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("edge mode"),
  });
});

test("the CLI refuses a bad edge start with one line and status 1, without printing the token", async () => {
  const exit = await runRunnerToExit(["--control-plane", "http://127.0.0.1:1", "--port", "0"], {
    EDGE_RUNNER_TOKEN: "short-secret",
  });
  expect(exit.code).toBe(1);
  expect(exit.stderr).toStartWith("runner: invalid token from EDGE_RUNNER_TOKEN");
  expect(exit.stderr + exit.stdout).not.toContain("short-secret");
  const onArgv = await runRunnerToExit([
    "--control-plane",
    "http://127.0.0.1:1",
    "--port",
    "0",
    "--token",
    "argv-secret-0123456789",
  ]);
  expect(onArgv.code).toBe(1);
  expect(onArgv.stderr).toStartWith("runner: --token is not accepted");
  expect(onArgv.stderr + onArgv.stdout).not.toContain("argv-secret");
});
