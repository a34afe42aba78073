#!/usr/bin/env bun
// `edge <command>` (bun run edge, or the package's `edgebase` bin): deploy and manage functions on
// an EdgeBase control plane from a folder with an edgebase.toml (docs/cli.md). Exit codes: 0 ok,
// 1 refused or failed (the reason on one line), 2 wrong usage.
import packageJson from "../package.json";
import { resolveSecret } from "../core/lifecycle/secret-file";
import { TOKEN_SETTING } from "./connection/resolve";
import { commandHelp, makeContext, parseCommand } from "./command";
import { COMMANDS, findCommand } from "./commands/index";
import { EXIT, Failure, UsageError } from "./output/errors";
import { createOutput, table } from "./output/output";

const USAGE = [
  "usage: edge <command> [args] [flags]      (bun run edge ..., or the edgebase bin)",
  "",
  "commands:",
  ...table(COMMANDS.map((command) => [`  ${command.name} ${command.args}`.trimEnd(), command.summary])),
  "",
  "edge <command> --help says more; --json prints results as JSON; edge --version prints the release.",
  "The control plane: --control-plane URL and --token-file FILE, or EDGEBASE_URL and EDGEBASE_TOKEN(_FILE), or",
  "edge login; never a token in argv.",
  "Exit status: 0 ok, 1 refused or failed, 2 wrong usage. docs/cli.md has the whole story.",
].join("\n");

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(`edgebase ${packageJson.version}`);
    return EXIT.ok;
  }
  const command = findCommand(name);
  // A token in argv is refused before anything else runs, whatever the command (exit 1).
  if (argv.some((arg) => arg === "--token" || arg.startsWith("--token="))) {
    const refusal = resolveSecret({ token: "" }, {}, TOKEN_SETTING);
    process.stderr.write(`edge: ${refusal.ok ? "--token is not accepted" : refusal.message}\n`);
    return EXIT.failed;
  }
  const json = rest.includes("--json");
  const out = createOutput(json);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; edge --help lists them`);
    if (command.runRaw) return await command.runRaw(rest, process.env);
    const parsed = parseCommand(command, rest);
    if (parsed.help) {
      console.log(commandHelp(command));
      return EXIT.ok;
    }
    await command.run(makeContext(parsed, out, process.env));
    return EXIT.ok;
  } catch (error) {
    return report(error, command?.name, out.json);
  }
}

function report(error: unknown, command: string | undefined, json: boolean): number {
  const prefix = command ? `edge ${command}` : "edge";
  if (error instanceof UsageError) {
    process.stderr.write(`${prefix}: ${error.message}\n`);
    if (command) process.stderr.write(`(edge ${command} --help for usage)\n`);
    if (json) console.log(JSON.stringify({ error: { code: "usage", message: error.message } }));
    return EXIT.usage;
  }
  if (error instanceof Failure) {
    process.stderr.write(`${prefix}: ${error.message}\n`);
    const body = { code: error.code ?? "failed", message: error.message, ...error.details };
    if (json) console.log(JSON.stringify({ error: body }, null, 2));
    return EXIT.failed;
  }
  // A bug: say so on one line, with the stack only when asked for.
  process.stderr.write(`${prefix}: internal error: ${(error as Error)?.message ?? String(error)}\n`);
  if (process.env.EDGEBASE_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
  if (json) console.log(JSON.stringify({ error: { code: "internal", message: String((error as Error)?.message) } }));
  return EXIT.failed;
}

process.exitCode = await main(Bun.argv.slice(2));
