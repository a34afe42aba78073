// Where the CLI finds its control plane and token: flags > environment > the config file that
// `edge login` writes (0600, token from stdin), never argv; the token never appears in any
// output, and the saved one is never sent to another URL. Against a real control plane (in-process).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { TOKEN } from "../helpers/control-api";
import { runCli, shown } from "../helpers/cli-process";
import { tempDir } from "../helpers/temp-dir";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tokenFile } from "../helpers/token-file";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl();
});
afterAll(() => control?.stop());

const WRONG = "wrong-token-0123456789";

describe("flags > environment", () => {
  test("EDGEBASE_URL and EDGEBASE_TOKEN", async () => {
    const run = await runCli(["list", "--json"], { env: { EDGEBASE_URL: control.url, EDGEBASE_TOKEN: TOKEN } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ functions: [] });
  });

  test("--control-plane and --token-file win over the environment", async () => {
    const run = await runCli(["list", "--control-plane", control.url, "--token-file", tokenFile("admin", TOKEN)], {
      env: { EDGEBASE_URL: "http://127.0.0.1:9", EDGEBASE_TOKEN: WRONG },
    });
    expect(run).toMatchObject({ code: 0, stdout: "no functions\n" });
  });

  test("--token is refused before anything runs (exit 1), naming --token-file, the token unseen", async () => {
    for (const args of [
      ["list", "--control-plane", control.url, "--token", TOKEN],
      [`--token=${TOKEN}`, "list"],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("--token is not accepted: a secret on the command line shows in ps");
      expect(run.stderr).toContain("--token-file FILE");
      expect(shown(run)).not.toContain(TOKEN);
    }
  });

  test("a token file others may write is refused, naming the file and not the token", async () => {
    const file = tokenFile("open", TOKEN, 0o666);
    const run = await runCli(["list", "--control-plane", control.url, "--token-file", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--token-file ${file}: writable by group or others`);
    expect(shown(run)).not.toContain(TOKEN);
  });

  test("a wrong token: exit 1 with the server's reason, the token nowhere", async () => {
    const run = await runCli(["list", "--json"], { env: { EDGEBASE_URL: control.url, EDGEBASE_TOKEN: WRONG } });
    expect(run.code).toBe(1);
    expect(run.stderr).toStartWith("edge list: unauthorized: ");
    expect(JSON.parse(run.stdout).error.code).toBe("unauthorized");
    expect(shown(run)).not.toContain(WRONG);
  });
});

describe("edge login", () => {
  test("reads the token from stdin, checks it, saves it 0600; later commands use it for that URL only", async () => {
    const config = tempDir("edge-cli-login-");
    const env = { XDG_CONFIG_HOME: config };
    const login = await runCli(["login", "--control-plane", control.url], { env, stdin: `${TOKEN}\n` });
    expect(login.code).toBe(0);
    expect(shown(login)).not.toContain(TOKEN);
    const path = join(config, "edgebase", "config.json");
    expect(login.stdout).toContain(`saved to ${path} (mode 0600)`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(config, "edgebase")).mode & 0o777).toBe(0o700);
    expect(await Bun.file(path).json()).toEqual({ control_plane: control.url, token: TOKEN });

    expect(await runCli(["list"], { env })).toMatchObject({ code: 0, stdout: "no functions\n" });
    // The saved token belongs to its URL: another control plane never receives it.
    const elsewhere = await runCli(["list", "--control-plane", "http://127.0.0.1:9"], { env });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("no token for http://127.0.0.1:9");
  });

  test("a token the control plane refuses is not saved", async () => {
    const config = tempDir("edge-cli-login-");
    const run = await runCli(["login", "--control-plane", control.url], {
      env: { XDG_CONFIG_HOME: config },
      stdin: WRONG,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused the token (HTTP 401); nothing saved");
    expect(await Bun.file(join(config, "edgebase", "config.json")).exists()).toBe(false);
    expect(shown(run)).not.toContain(WRONG);
  });

  test("never from argv: login --token is refused, nothing saved", async () => {
    const config = tempDir("edge-cli-login-");
    const run = await runCli(["login", "--control-plane", control.url, "--token", TOKEN], {
      env: { XDG_CONFIG_HOME: config },
    });
    expect(run.code).toBe(1);
    expect(await Bun.file(join(config, "edgebase", "config.json")).exists()).toBe(false);
    expect(shown(run)).not.toContain(TOKEN);
  });
});
