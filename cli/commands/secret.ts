// `edge secret put NAME KEY`, `edge secret list NAME`, `edge secret delete NAME KEY`: a function's
// write-only secrets, addressed by the function's name. The value comes from stdin (piped) or a
// prompt that does not echo it, never from argv (`ps` shows argv to every user). Nothing here
// prints a value: the control plane never answers one.
import { parseArgs } from "node:util";

/** What the command needs from the CLI around it (cli/main.ts wires the real ones). */
export interface SecretIO {
  /** A request to the control plane, with its token: `path` starts with /api/v1/. */
  request(method: string, path: string, init?: { body?: string; contentType?: string }): Promise<Response>;
  /** Whether stdin is a terminal (then the value is asked for), else it is read whole. */
  stdinIsTTY: boolean;
  readStdin(): Promise<Uint8Array>;
  /** Reads a line from the terminal without echoing it (secret-input.ts `hiddenPrompt`). */
  promptHidden(question: string): Promise<string>;
  out(line: string): void;
  err(line: string): void;
}

export const SECRET_USAGE = `usage: edge secret put NAME KEY [--json]     value from stdin, or a prompt that does not echo it
       edge secret list NAME [--json]        names and when each was set, never values
       edge secret delete NAME KEY [--json]
The guest reads a secret like an env variable. A value is never taken from the command line:
  printf %s "$API_KEY" | edge secret put my-function API_KEY
One trailing newline of piped input is dropped (echo adds one); the control plane needs
--secrets-key-file for secrets.`;

const USAGE_EXIT = 2;
const FAILED_EXIT = 1;

/** Runs `edge secret ...` (`args` after "secret"); returns the exit code: 0 ok, 1 refused or failed, 2 usage. */
export async function secretCommand(args: string[], io: SecretIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const json = parsed.values.json === true;
  const [action, name, key, ...rest] = parsed.positionals;
  if (parsed.values.help) {
    io.out(SECRET_USAGE);
    return 0;
  }
  if (action === "put" && rest.length > 0)
    return usage(
      io,
      "the value is never taken from the command line (ps shows it to every user): pipe it on stdin, or run in a terminal to be asked for it",
    );
  const arity: Record<string, number> = { put: 2, list: 1, delete: 2 };
  if (!action || !(action in arity)) return usage(io, action ? `unknown secret command "${action}"` : "");
  if (!name || (arity[action] === 2 && !key) || rest.length > 0 || (arity[action] === 1 && key))
    return usage(io, `edge secret ${action} takes ${arity[action] === 1 ? "NAME" : "NAME KEY"}`);
  const base = `/api/v1/functions/by-name/${encodeURIComponent(name)}/secrets`;
  try {
    if (action === "list") return await list(io, base, name, json);
    if (action === "delete") return await remove(io, `${base}/${encodeURIComponent(key!)}`, name, key!, json);
    const value = await readValue(io, key!);
    if (value === null) return USAGE_EXIT;
    return await put(io, `${base}/${encodeURIComponent(key!)}`, name, key!, value, json);
  } catch (error) {
    io.err(`edge: ${(error as Error).message}`);
    return FAILED_EXIT;
  }
}

async function put(io: SecretIO, path: string, name: string, key: string, value: string, json: boolean) {
  const response = await io.request("PUT", path, { body: JSON.stringify({ value }), contentType: "application/json" });
  if (!response.ok) return refused(io, response);
  const info = (await response.json()) as { key: string; updated_at: string };
  const created = response.status === 201;
  if (json) io.out(JSON.stringify({ ...info, function: name, created }));
  else io.out(`secret ${key} of ${name} ${created ? "set" : "replaced"}; edge nodes load the function again`);
  return 0;
}

async function list(io: SecretIO, path: string, name: string, json: boolean) {
  const response = await io.request("GET", path);
  if (!response.ok) return refused(io, response);
  const body = (await response.json()) as { secrets: { key: string; updated_at: string }[] };
  if (json) io.out(JSON.stringify({ function: name, ...body }));
  else if (body.secrets.length === 0) io.out(`${name} has no secrets`);
  else {
    const width = Math.max(...body.secrets.map((s) => s.key.length));
    for (const secret of body.secrets) io.out(`${secret.key.padEnd(width)}  set ${secret.updated_at}`);
  }
  return 0;
}

async function remove(io: SecretIO, path: string, name: string, key: string, json: boolean) {
  const response = await io.request("DELETE", path);
  if (!response.ok) return refused(io, response);
  if (json) io.out(JSON.stringify({ function: name, key, deleted: true }));
  else io.out(`secret ${key} of ${name} deleted; edge nodes load the function again`);
  return 0;
}

/** The value from stdin or the prompt; null (after saying why) when there is none. */
async function readValue(io: SecretIO, key: string): Promise<string | null> {
  let value: string;
  if (io.stdinIsTTY) value = await io.promptHidden(`value of ${key} (not shown): `);
  else {
    const bytes = await io.readStdin();
    try {
      value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      io.err("edge: the value on stdin is not UTF-8 text");
      return null;
    }
    value = value.replace(/\r?\n$/, "");
  }
  if (value === "") {
    io.err(`edge: no value for ${key}: pipe it on stdin, or type it at the prompt`);
    return null;
  }
  return value;
}

/** The server's reason on one line; exit 1. */
async function refused(io: SecretIO, response: Response): Promise<number> {
  const text = await response.text();
  let message = `the control plane answered ${response.status}`;
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error?.message) message = `${error.message} (${response.status} ${error.code})`;
  } catch {
    // not our error shape: the status says enough
  }
  io.err(`edge: ${message.replaceAll("\n", " ")}`);
  return FAILED_EXIT;
}

function usage(io: SecretIO, message: string): number {
  if (message) io.err(`edge secret: ${message}`);
  io.err(SECRET_USAGE);
  return USAGE_EXIT;
}
