// `edge secret put|list|delete` (cli/commands/secret.ts) against a real control plane in this
// process: the value from stdin (one trailing newline dropped) or the hidden prompt, never from
// argv; names listed; exit 0 / 1 with the server's reason on one line / 2 for usage; no output
// ever shows a value.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { secretCommand, type SecretIO } from "../../cli/commands/secret";
import type { SnapshotMessage } from "../../core/contract";
import { newKey, watch } from "../edge/watch-socket";
import { SECRETS_KEY } from "../helpers/secrets";
import { startTestControl, type TestControl } from "../helpers/test-control";

const VALUE = "cli-value-0b5e7a";
let control: TestControl;
let plain: TestControl;
beforeAll(async () => {
  [control, plain] = await Promise.all([startTestControl({ secretsKey: SECRETS_KEY }), startTestControl()]);
  await control.createFunction({ name: "app", env: { PLAIN: "x" } });
  await plain.createFunction({ name: "app" });
});
afterAll(() => Promise.all([control.stop(), plain.stop()]));

/** Runs the command with `stdin` piped (or a terminal whose prompt answers `typed`). */
async function run(args: string[], input: { stdin?: string; typed?: string; on?: TestControl } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const prompts: string[] = [];
  const target = input.on ?? control;
  const io: SecretIO = {
    request: (method, path, init = {}) =>
      target.api(path, {
        method,
        body: init.body,
        headers: init.contentType ? { "content-type": init.contentType } : {},
      }),
    stdinIsTTY: input.typed !== undefined,
    readStdin: async () => new TextEncoder().encode(input.stdin ?? ""),
    promptHidden: async (question) => (prompts.push(question), input.typed ?? ""),
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  const code = await secretCommand(args, io);
  return { code, out, err, prompts, all: [...out, ...err, ...prompts].join("\n") };
}

/** The secrets of "app" as a node receives them: the only place a value can be seen. */
const nodeKey = newKey();
async function values(): Promise<Record<string, string>> {
  const socket = await watch(control.url);
  socket.hello({ key: nodeKey });
  const [snapshot] = (await socket.sequence()) as SnapshotMessage[];
  socket.close();
  return snapshot!.functions.find((f) => f.function.name === "app")?.secrets ?? {};
}

test("put from stdin (echo's newline dropped), then from the prompt; list; delete", async () => {
  const piped = await run(["put", "app", "API_KEY"], { stdin: `${VALUE}\n` });
  expect(piped).toMatchObject({ code: 0, err: [] });
  expect(piped.out).toEqual(["secret API_KEY of app set; edge nodes load the function again"]);
  expect((await values()).API_KEY).toBe(VALUE);
  expect((await run(["put", "app", "CRLF"], { stdin: `${VALUE}\r\n` })).code).toBe(0);
  expect((await run(["put", "app", "TWO_LINES"], { stdin: "a\nb\n\n" })).code).toBe(0);
  expect(await values()).toMatchObject({ CRLF: VALUE, TWO_LINES: "a\nb\n" });
  const typed = await run(["put", "app", "API_KEY", "--json"], { typed: VALUE });
  expect(typed.code).toBe(0);
  expect(typed.prompts).toEqual(["value of API_KEY (not shown): "]);
  expect(JSON.parse(typed.out[0]!)).toMatchObject({ function: "app", key: "API_KEY", created: false });
  expect((await run(["put", "app", "SECOND"], { stdin: "v2" })).code).toBe(0);

  const list = await run(["list", "app"]);
  expect(list.code).toBe(0);
  expect(list.out.map((line) => line.split(/\s+/)[0])).toEqual(["API_KEY", "CRLF", "SECOND", "TWO_LINES"]);
  const json = await run(["list", "app", "--json"]);
  expect(JSON.parse(json.out[0]!).secrets.map((s: { key: string }) => s.key)).toEqual([
    "API_KEY",
    "CRLF",
    "SECOND",
    "TWO_LINES",
  ]);

  expect((await run(["delete", "app", "SECOND"])).out).toEqual([
    "secret SECOND of app deleted; edge nodes load the function again",
  ]);
  expect("SECOND" in (await values())).toBe(false);
  for (const result of [piped, typed, list, json]) expect(result.all).not.toContain(VALUE);
});

test("the value is never taken from argv: exit 2, nothing set", async () => {
  const result = await run(["put", "app", "FROM_ARGV", VALUE], { stdin: "ignored" });
  expect(result.code).toBe(2);
  expect(result.err[0]).toContain("never taken from the command line");
  expect(result.all).not.toContain(VALUE);
  expect("FROM_ARGV" in (await values())).toBe(false);
});

test("usage errors exit 2; an empty value too", async () => {
  for (const args of [[], ["nope"], ["put", "app"], ["list"], ["list", "app", "EXTRA"], ["put", "app", "K", "--what"]])
    expect((await run(args, { stdin: "x" })).code).toBe(2);
  expect((await run(["put", "app", "EMPTY"], { stdin: "\n" })).code).toBe(2);
  expect((await run(["put", "app", "EMPTY"], { typed: "" })).code).toBe(2);
  expect((await run(["--help"])).code).toBe(0);
});

test("refusals exit 1 with the control plane's reason on one line", async () => {
  const missing = await run(["list", "nobody"]);
  expect(missing).toMatchObject({ code: 1, err: ['edge: no function named "nobody" (404 not_found)'] });
  const conflict = await run(["put", "app", "PLAIN"], { stdin: VALUE });
  expect(conflict.code).toBe(1);
  expect(conflict.err).toHaveLength(1);
  expect(conflict.err[0]).toContain("env_secret_conflict");
  const disabled = await run(["put", "app", "K"], { stdin: VALUE, on: plain });
  expect(disabled.code).toBe(1);
  expect(disabled.err[0]).toContain("--secrets-key-file");
  expect([missing.all, conflict.all, disabled.all].join()).not.toContain(VALUE);
});
