// `edge secret` as a user runs it (a process through cli/main.ts): the command table hands it the
// same connection as every remote command (flags, environment), the value comes from stdin, and
// neither the value nor the token shows in any output.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TOKEN } from "../helpers/control-api";
import { runCli, shown } from "../helpers/cli-process";
import { SECRETS_KEY } from "../helpers/secrets";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tokenFile } from "../helpers/token-file";

const VALUE = "wired-secret-value-93c1";
let control: TestControl;
beforeAll(async () => {
  control = await startTestControl({ secretsKey: SECRETS_KEY });
  await control.createFunction({ name: "app" });
});
afterAll(() => control?.stop());

test("put (stdin, --control-plane and --token-file flags), list (names), delete; no value, no token shown", async () => {
  const flags = ["--control-plane", control.url, "--token-file", tokenFile("secret-admin", TOKEN)];
  const put = await runCli(["secret", "put", "app", "API_KEY", ...flags], { stdin: `${VALUE}\n` });
  expect(put.code, put.stderr).toBe(0);
  expect(put.stdout).toContain("secret API_KEY of app set");
  const env = { EDGEBASE_URL: control.url, EDGEBASE_TOKEN: TOKEN };
  const list = await runCli(["secret", "list", "app", "--json"], { env });
  expect(list.code, list.stderr).toBe(0);
  expect(JSON.parse(list.stdout).secrets.map((s: { key: string }) => s.key)).toEqual(["API_KEY"]);
  const removed = await runCli(["secret", "delete", "app", "API_KEY"], { env });
  expect(removed.code, removed.stderr).toBe(0);
  for (const run of [put, list, removed]) {
    expect(shown(run)).not.toContain(VALUE);
    expect(shown(run)).not.toContain(TOKEN);
  }
});

test("without a control plane: exit 2 saying how to name one; --help needs none", async () => {
  const run = await runCli(["secret", "list", "app"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("no control plane: pass --control-plane URL");
  expect((await runCli(["secret", "--help"])).code).toBe(0);
});
