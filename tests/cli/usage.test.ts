// How the CLI answers being called: --help and --version exit 0, wrong usage exits 2 with one
// line saying what is wrong, and a command that needs a control plane says how to name one.
import { describe, expect, test } from "bun:test";
import { COMMANDS } from "../../cli/commands/index";
import { runCli } from "../helpers/cli-process";

describe("help and version", () => {
  test("--version prints the release; --help lists every command; no command is a usage error", async () => {
    const version = await runCli(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: `edgebase ${(await Bun.file("package.json").json()).version}\n` });
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toContain(`  ${command.name}`);
    expect((await runCli([])).code).toBe(2);
  });

  test("every command answers --help with its usage, exit 0, without a control plane", async () => {
    const runs = await Promise.all(COMMANDS.map((command) => runCli([command.name, "--help"])));
    runs.forEach((run, i) => {
      expect(run.code).toBe(0);
      expect(run.stdout).toStartWith(`usage: edge ${COMMANDS[i]!.name}`);
      expect(run.stdout).toContain("--json");
    });
  });
});

describe("wrong usage exits 2 with one line", () => {
  const cases: [string[], string][] = [
    [["deploi"], 'edge: unknown command "deploi"'],
    [["deploy", "--no-such-flag"], "edge deploy: Unknown option '--no-such-flag'"],
    [["info"], "edge info: missing argument: edge info NAME"],
    [["info", "a", "b"], 'edge info: unexpected argument "b"'],
    [["init", "--template", "cobol", "x"], 'edge init: unknown template "cobol"'],
    [["init", "___"], '"" is not a function name'],
    [["rollback", "hello", "v0"], 'VERSION must be a version number, got "v0"'],
    [["deploy", "--timeout", "soon", "--control-plane", "http://127.0.0.1:9"], "--timeout: expected seconds"],
    [["delete", "hello"], "deleting needs --yes when no one can be asked (stdin is not a terminal)"],
    [["list"], "no control plane: pass --control-plane URL, set EDGEBASE_URL, or run edge login"],
    [["list", "--control-plane", "ftp://x"], "--control-plane: ftp: is not http: or https:"],
    [["list", "--control-plane", "http://127.0.0.1:9"], "no token for http://127.0.0.1:9: pass --token-file FILE"],
    [["dev", "--port", "http"], '--port: "http" is not a port'],
  ];
  for (const [args, message] of cases)
    test(`edge ${args.join(" ")}`, async () => {
      const run = await runCli(args, { cwd: "/tmp" });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stdout).toBe("");
    });

  test("with --json, stdout is one JSON error object", async () => {
    const run = await runCli(["info", "--json"]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ error: { code: "usage", message: "missing argument: edge info NAME" } });
  });
});

describe("a failure exits 1 with the reason on one line", () => {
  test("an unreachable control plane", async () => {
    const run = await runCli(["list", "--control-plane", "http://127.0.0.1:9"], {
      env: { EDGEBASE_TOKEN: "a-token-that-is-long-enough" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toStartWith("edge list: cannot reach the control plane at http://127.0.0.1:9: ");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a folder without edgebase.toml", async () => {
    const run = await runCli(["build", "/tmp"]);
    expect(run).toMatchObject({ code: 1, stderr: "edge build: no edgebase.toml in /tmp (edge init makes one)\n" });
  });
});
