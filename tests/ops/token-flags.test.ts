// No program takes a token on its command line, where `ps` shows it to every user: every program
// (each top-level folder with a main.ts) names only token-file flags in its --help, and a token
// given as `--NAME VALUE` is refused, naming --NAME-file, without echoing the value; in the
// runner's single-module mode too, which used to ignore it and start with the token in its argv.
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runToExit } from "../helpers/server-process";
import { samplePath } from "../fixtures/guests";

const SECRET = "argv-secret-value-0123456789";
/** Boolean flags that name a token without taking one. */
const NOT_A_TOKEN = new Set(["--show-admin-token"]);

const programs = readdirSync(REPO_ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !["tests", "bench", "node_modules"].includes(entry.name))
  .map((entry) => join(entry.name, "main.ts"))
  .filter((main) => existsSync(join(REPO_ROOT, main)));

test("the programs are found: runner and control at least", () => {
  expect(programs).toEqual(expect.arrayContaining(["control/main.ts", "runner/main.ts"]));
});

async function tokenFlags(main: string): Promise<string[]> {
  const help = await runToExit([join(REPO_ROOT, main), "--help"]);
  expect(help.code).toBe(0);
  return [...new Set(help.stdout.match(/--[a-z-]*token[a-z-]*/g) ?? [])].filter((flag) => !NOT_A_TOKEN.has(flag));
}

/** Expects `argv` to be refused on stderr, naming `fileFlag`, the secret nowhere in the output. */
async function refusedNaming(argv: string[], fileFlag: string): Promise<void> {
  const exit = await runToExit(argv);
  expect({ argv, code: exit.code }).toEqual({ argv, code: 1 });
  expect(exit.stderr).toContain(`${fileFlag} FILE`);
  expect(exit.stdout + exit.stderr).not.toContain(SECRET);
}

test.each(programs)(
  "%s: only token files in --help; a token in argv is refused unseen",
  async (main) => {
    const flags = await tokenFlags(main);
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      expect(flag).toEndWith("-file");
      await refusedNaming([join(REPO_ROOT, main), flag.slice(0, -"-file".length), SECRET], flag);
    }
  },
  30_000,
);

test("the runner refuses a token in argv in both modes, and token and node flags in single-module mode", async () => {
  const runner = join(REPO_ROOT, "runner/main.ts");
  const hello = samplePath("hello_world");
  await refusedNaming([runner, hello, "--token", SECRET], "--token-file");
  await refusedNaming([runner, "--control-plane", "http://127.0.0.1:1", "--token", SECRET], "--token-file");
  for (const [flag, value] of [
    ["--token-file", "/nonexistent"],
    ["--cache-dir", "/tmp/x"],
    ["--node-id", "n1"],
  ]) {
    const exit = await runToExit([runner, hello, flag!, value!, "--port", "0"]);
    expect({ flag, code: exit.code, stderr: exit.stderr.trim() }).toEqual({
      flag,
      code: 1,
      stderr: `runner: ${flag} belongs to edge mode (--control-plane URL) (see --help)`,
    });
  }
}, 30_000);
