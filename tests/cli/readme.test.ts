// Runs the README's CLI walkthrough (login, init, deploy, curl) verbatim against a real control
// plane and a real edge node, from the repository root as the README says.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TOKEN } from "../helpers/control-api";
import { cliEnv } from "../helpers/cli-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { REPO_ROOT, type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tokenFile } from "../helpers/token-file";

const MARKER = "<!-- cli-walkthrough: tests/cli/readme.test.ts runs this block verbatim -->";
let control: TestControl;
let node: ServerProcess;

beforeAll(async () => {
  control = await startTestControl();
  node = await startEdgeProcess(control.url, tempDir("edge-cli-readme-node-"), "readme-node", ["--workers", "1"]);
}, 30_000);
afterAll(async () => {
  await node?.stop("SIGKILL");
  await control?.stop();
});

function walkthrough(): string {
  const doc = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const at = doc.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const block = doc.slice(at + MARKER.length).match(/^\s*```sh\n([\s\S]*?)\n```/);
  expect(block).not.toBeNull();
  return block![1]!;
}

test("the README's CLI walkthrough works verbatim: login, init, deploy, curl an edge node", async () => {
  const script = walkthrough();
  expect(script).not.toContain(TOKEN);
  const env = cliEnv({
    EDGE: control.url,
    NODE: node.url,
    DIR: join(tempDir("edge-cli-readme-"), "hello"),
    TOKEN_FILE: tokenFile("readme-admin", TOKEN),
    // Its own: `edge login` writes there, and other tests expect no saved login.
    XDG_CONFIG_HOME: tempDir("edge-cli-readme-config-"),
  });
  const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", script], {
    cwd: REPO_ROOT,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) process.stderr.write(`walkthrough failed:\n${stdout}\n${stderr}\n`);
  expect(code).toBe(0);
  expect(stdout).toContain("hello: created; v1 uploaded from");
  expect(stdout).toMatch(/^ {2}readme-node: revision \d+ applied/m);
  expect(stdout.trimEnd()).toEndWith("Hello, World!");
  expect(`${stdout}${stderr}`).not.toContain(TOKEN);
}, 60_000);
