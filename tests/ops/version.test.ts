// `--version` on both programs: one line on stdout naming the program, the package's version
// and Bun's, exit 0, and nothing started (no data dir made, no token asked for), whatever else
// the command line says.
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../../package.json";
import { CONTROL_MAIN } from "../helpers/control-process";
import { RUNNER_MAIN } from "../helpers/runner-process";
import { runToExit } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";

const line = (program: string) => `${program} ${packageJson.version} (edgebase-functions; bun ${Bun.version})\n`;

test("runner --version, in either mode, without a module or a token", async () => {
  for (const argv of [
    ["--version"],
    ["hello_world.wasm", "--version"],
    ["--control-plane", "http://127.0.0.1:1", "--version"],
  ]) {
    const exit = await runToExit([RUNNER_MAIN, ...argv]);
    expect({ argv, ...exit }).toEqual({ argv, code: 0, stdout: line("runner"), stderr: "" });
  }
});

test("control --version starts nothing: no data dir is made", async () => {
  const dataDir = join(tempDir("version-control-"), "data");
  const exit = await runToExit([CONTROL_MAIN, "--data-dir", dataDir, "--port", "0", "--version"]);
  expect(exit).toEqual({ code: 0, stdout: line("control"), stderr: "" });
  expect(existsSync(dataDir)).toBe(false);
});

test("--version is in each program's --help", async () => {
  for (const main of [RUNNER_MAIN, CONTROL_MAIN]) {
    const help = await runToExit([main, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--version");
  }
});
