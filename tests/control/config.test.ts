import { expect, test } from "bun:test";
import { loadControlConfig } from "../../control/config";

test("defaults: 0.0.0.0:8080, ./data, 50 MiB uploads, 10,000 changes kept, no token configured", () => {
  expect(loadControlConfig([], {})).toEqual({
    ok: true,
    config: { port: 8080, host: "0.0.0.0", dataDir: "./data", maxUploadBytes: 50 * 1024 * 1024, changeRetention: 10_000, maxNodes: 1_000, nodeRetentionS: 604_800, heartbeatMs: 5_000, logLevel: "info" },
  });
});

test("flags win over the environment, which wins over defaults", () => {
  const env = { EDGE_CONTROL_PORT: "9000", EDGE_CONTROL_HOST: "127.0.0.1", EDGE_CONTROL_TOKEN: "env-token-0123456789" };
  const result = loadControlConfig(["--port", "9100", "--data-dir", "/tmp/x"], env);
  expect(result).toMatchObject({ ok: true, config: { port: 9100, host: "127.0.0.1", dataDir: "/tmp/x", token: "env-token-0123456789" } });
});

test("invalid values name the flag; tokens are never echoed", () => {
  expect(loadControlConfig(["--port", "70000"], {})).toMatchObject({ ok: false, message: expect.stringContaining("--port") });
  expect(loadControlConfig(["--port", "abc"], {})).toMatchObject({ ok: false, message: expect.stringContaining("--port") });
  const short = loadControlConfig(["--token", "secret"], {});
  expect(short).toMatchObject({ ok: false, message: expect.stringContaining("--token") });
  expect(JSON.stringify(short)).not.toContain("secret");
  expect(loadControlConfig(["--nope"], {})).toMatchObject({ ok: false });
  expect(loadControlConfig(["--help"], {})).toEqual({ ok: "help" });
});
