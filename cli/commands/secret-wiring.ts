// `edge secret put|list|delete` in the command table: secret.ts parses its own arguments and
// talks through SecretIO; this gives it the connection every remote command has (--control-plane,
// --token-file, --token, the environment, edge login's file) and the real stdin and terminal.
import { ControlPlane } from "../api/client";
import type { Command } from "../command";
import { CONNECTION_FLAGS, resolveConnection } from "../connection/resolve";
import { EXIT, UsageError } from "../output/errors";
import { createOutput } from "../output/output";
import { hiddenPrompt, readAllStdin } from "./secret-input";
import { SECRET_USAGE, secretCommand, type SecretIO } from "./secret";

/** argv without the connection flags (`--flag value` or `--flag=value`), and those flags' values. */
function splitConnectionFlags(argv: string[]): { connection: Record<string, string>; rest: string[] } {
  const connection: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = flag.replace(/^--/, "");
    if (!flag.startsWith("--") || !(name in CONNECTION_FLAGS)) rest.push(argv[i]!);
    else if (inline !== undefined) connection[name] = inline;
    else if (i + 1 < argv.length) connection[name] = argv[++i]!;
    else throw new UsageError(`${flag} needs a value`);
  }
  return { connection, rest };
}

export const secret: Command = {
  name: "secret",
  args: "put|list|delete NAME [KEY]",
  summary: "A function's secrets: put (value from stdin or a hidden prompt), list (names only), delete",
  remote: true,
  positionals: { min: 1, max: 3 },
  run: async () => {}, // runRaw does the work: secret.ts parses its own arguments
  async runRaw(argv, env) {
    const out = createOutput(false);
    try {
      const { connection, rest } = splitConnectionFlags(argv);
      const help = rest.includes("--help") || rest.includes("-h");
      let plane = help ? null : new ControlPlane(resolveConnection(connection, env, out.warn));
      const io: SecretIO = {
        request: (method, path, init) =>
          (plane ??= new ControlPlane(resolveConnection(connection, env, out.warn))).fetch(method, path, init),
        stdinIsTTY: process.stdin.isTTY === true,
        readStdin: readAllStdin,
        promptHidden: hiddenPrompt,
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      };
      return await secretCommand(rest, io);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      process.stderr.write(`edge secret: ${error.message}\n${SECRET_USAGE}\n`);
      return EXIT.usage;
    }
  },
};
