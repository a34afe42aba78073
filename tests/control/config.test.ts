import { expect, test } from "bun:test";
import { join } from "node:path";
import { loadControlConfig } from "../../control/config";
import { tempDir } from "../helpers/temp-dir";
import { tokenFile } from "../helpers/token-file";

/** For a token file that is missing, or a directory. */
const dir = tempDir("edge-control-config-");

test("defaults: 0.0.0.0:8080, ./data, 50 MiB uploads, 10,000 changes kept, no token configured", () => {
  expect(loadControlConfig([], {})).toEqual({
    ok: true,
    config: {
      port: 8080,
      host: "0.0.0.0",
      dataDir: "./data",
      maxUploadBytes: 50 * 1024 * 1024,
      changeRetention: 10_000,
      maxNodes: 1_000,
      nodeRetentionS: 604_800,
      heartbeatMs: 5_000,
      logLevel: "info",
    },
    warnings: [],
    showAdminToken: false,
  });
});

test("flags win over the environment, which wins over defaults", () => {
  const env = { EDGE_CONTROL_PORT: "9000", EDGE_CONTROL_HOST: "127.0.0.1", EDGE_CONTROL_TOKEN: "env-token-0123456789" };
  const result = loadControlConfig(["--port", "9100", "--data-dir", "/tmp/x"], env);
  expect(result).toMatchObject({
    ok: true,
    config: { port: 9100, host: "127.0.0.1", dataDir: "/tmp/x", token: "env-token-0123456789" },
  });
});

test("invalid values name the flag; tokens are never echoed", () => {
  expect(loadControlConfig(["--port", "70000"], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("--port"),
  });
  expect(loadControlConfig(["--port", "abc"], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("--port"),
  });
  const short = loadControlConfig([], { EDGE_CONTROL_TOKEN: "secret" });
  expect(short).toMatchObject({ ok: false, message: expect.stringContaining("EDGE_CONTROL_TOKEN") });
  expect(JSON.stringify(short)).not.toContain('secret"');
  expect(loadControlConfig(["--nope"], {})).toMatchObject({ ok: false });
  expect(loadControlConfig(["--help"], {})).toEqual({ ok: "help" });
});

test("a token on the command line is refused, pointing at the file flag and the variable, without echoing it", () => {
  for (const [argv, flag, env] of [
    [["--token", "cli-secret-0123456789"], "--token-file", "EDGE_CONTROL_TOKEN"],
    [["--token=cli-secret-0123456789"], "--token-file", "EDGE_CONTROL_TOKEN"],
    [["--read-token", "cli-secret-0123456789"], "--read-token-file", "EDGE_CONTROL_READ_TOKEN"],
  ] as const) {
    const result = loadControlConfig([...argv], {});
    if (result.ok !== false) throw new Error(`accepted ${argv.join(" ")}`);
    expect(result.message).toContain(flag);
    expect(result.message).toContain(env);
    expect(result.message).not.toContain("cli-secret");
  }
});

test("token files: read with trailing line breaks dropped; the flag wins over the variables", () => {
  const admin = tokenFile("admin", "file-admin-token-0123456789\n");
  const read = tokenFile("read", "file-read-token-0123456789\r\n");
  const result = loadControlConfig(["--token-file", admin, "--read-token-file", read], {
    EDGE_CONTROL_TOKEN: "env-admin-token-0123456789",
  });
  expect(result).toMatchObject({
    ok: true,
    config: { token: "file-admin-token-0123456789", readToken: "file-read-token-0123456789" },
    warnings: [],
  });
  const fromEnv = loadControlConfig([], {
    EDGE_CONTROL_TOKEN_FILE: admin,
    EDGE_CONTROL_READ_TOKEN: "env-read-token-0123456789",
  });
  expect(fromEnv).toMatchObject({
    ok: true,
    config: { token: "file-admin-token-0123456789", readToken: "env-read-token-0123456789" },
  });
  expect(
    loadControlConfig([], { EDGE_CONTROL_TOKEN_FILE: admin, EDGE_CONTROL_TOKEN: "env-admin-token-0123456789" }),
  ).toMatchObject({ ok: false, message: "set EDGE_CONTROL_TOKEN or EDGE_CONTROL_TOKEN_FILE, not both" });
});

test("token files: readable by others warns, writable by others, missing, empty or malformed is refused, never echoing the contents", () => {
  const readable = tokenFile("readable", "readable-token-0123456789\n", 0o644);
  const result = loadControlConfig(["--token-file", readable], {});
  expect(result).toMatchObject({
    ok: true,
    config: { token: "readable-token-0123456789" },
    warnings: [expect.stringContaining("mode 644")],
  });

  const writable = tokenFile("writable", "writable-token-0123456789\n", 0o666);
  expect(loadControlConfig(["--token-file", writable], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("writable by group or others"),
  });
  expect(loadControlConfig(["--token-file", join(dir, "missing")], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("no such file"),
  });
  expect(loadControlConfig(["--token-file", dir], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("not a regular file"),
  });
  expect(loadControlConfig(["--token-file", tokenFile("empty", "\n")], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("empty"),
  });
  const spaced = loadControlConfig(["--read-token-file", tokenFile("spaced", "has spaces secret-0123456789\n")], {});
  expect(spaced).toMatchObject({ ok: false, message: expect.stringContaining("invalid token from --read-token-file") });
  expect(JSON.stringify(spaced)).not.toContain("has spaces");
});

test("--show-admin-token is a request, not a setting", () => {
  expect(loadControlConfig(["--show-admin-token", "--data-dir", "/tmp/y"], {})).toMatchObject({
    ok: true,
    showAdminToken: true,
    config: { dataDir: "/tmp/y" },
  });
});

test("--keep-versions / EDGE_CONTROL_KEEP_VERSIONS: unset keeps all; at least 1", () => {
  const unset = loadControlConfig([], {});
  expect(unset.ok === true && "keepVersions" in unset.config).toBe(false);
  expect(loadControlConfig(["--keep-versions", "3"], {})).toMatchObject({ ok: true, config: { keepVersions: 3 } });
  expect(loadControlConfig([], { EDGE_CONTROL_KEEP_VERSIONS: "5" })).toMatchObject({
    ok: true,
    config: { keepVersions: 5 },
  });
  expect(loadControlConfig(["--keep-versions", "0"], {})).toMatchObject({
    ok: false,
    message: expect.stringContaining("--keep-versions"),
  });
});

test("--database-url / EDGE_CONTROL_DATABASE_URL choose PostgreSQL; DATABASE_URL is not read; a password on argv is refused unechoed", () => {
  const url = "postgres://edgebase@db.internal:5432/edge";
  const pick = (argv: string[], env: Record<string, string>) => {
    const loaded = loadControlConfig(argv, env);
    return loaded.ok === true ? loaded.config.databaseUrl : loaded;
  };
  expect(pick([], { DATABASE_URL: url })).toBeUndefined();
  expect(pick([], { EDGE_CONTROL_DATABASE_URL: url })).toBe(url);
  expect(pick(["--database-url", url], { EDGE_CONTROL_DATABASE_URL: "postgres://other@x/y" })).toBe(url);
  // In the environment a password is fine (only the user and root can read it).
  expect(pick([], { EDGE_CONTROL_DATABASE_URL: "postgres://u:pw@db/edge" })).toBe("postgres://u:pw@db/edge");
  const refused = loadControlConfig(["--database-url", "postgres://u:hunter2@db/edge"], {});
  expect(refused.ok).toBe(false);
  expect(JSON.stringify(refused)).toContain("carries a password");
  expect(JSON.stringify(refused)).not.toContain("hunter2");
  expect(loadControlConfig(["--database-url", "mysql://db/edge"], {})).toMatchObject({ ok: false });
});

test("--artifacts / EDGE_CONTROL_ARTIFACTS: s3://BUCKET[/prefix]; anything else is refused at load", () => {
  const loaded = loadControlConfig([], { EDGE_CONTROL_ARTIFACTS: "s3://edge-bucket/prod" });
  expect(loaded.ok === true && loaded.config.artifacts).toBe("s3://edge-bucket/prod");
  for (const bad of ["/var/lib/artifacts", "s3://", "s3://Bad_Bucket", "s3://b/../x", "s3://key:secret@bucket"]) {
    const refused = loadControlConfig(["--artifacts", bad], {});
    expect(refused.ok).toBe(false);
    expect(JSON.stringify(refused)).not.toContain("secret@");
  }
});
