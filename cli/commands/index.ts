// The command table: `edge <name>` runs the command of that name; `edge --help` lists them in
// this order. A new command is a file in this folder exporting a Command, added here.
import { build } from "./build";
import type { Command } from "../command";
import { deleteCommand } from "./delete";
import { deploy } from "./deploy";
import { dev } from "./dev";
import { info, list, versions } from "./inspect";
import { init } from "./init";
import { login } from "./login";
import { nodes } from "./nodes";
import { rollback } from "./rollback";
import { secret } from "./secret-wiring";

export const COMMANDS: readonly Command[] = [
  login,
  init,
  build,
  dev,
  deploy,
  list,
  info,
  versions,
  rollback,
  deleteCommand,
  nodes,
  secret,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
