// stdout is JSON log lines and nothing else, for every program, so `| jq` works on it: the start
// banners, the first start's generated admin token and warnings go to stderr. Real processes
// (a control plane making its own token, an edge node with a token file, a single-module runner)
// at log level debug, made to log requests, invocations, guest lines and failures, then stopped;
// every stdout line must parse.
import { afterAll, expect, test } from "bun:test";
import { READ_TOKEN } from "../helpers/control-api";
import { startControlProcess, type ControlProcess } from "../helpers/control-process";
import { edgeArgs } from "../helpers/edge-process";
import { startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { tokenFile } from "../helpers/token-file";
import { guestFile, textModule } from "../fixtures/guests";

const started: ServerProcess[] = [];
afterAll(() => Promise.all(started.map((proc) => proc.kill())));

/** Every stdout line of `proc` (stopped first, so its last lines are in), parsed; throws naming a line that is not JSON. */
async function stdoutAsJson(proc: ServerProcess): Promise<Record<string, unknown>[]> {
  expect(await proc.stop("SIGTERM")).toBe(0);
  return proc.stdout().map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`a stdout line that is not JSON: ${JSON.stringify(line)}`);
    }
  });
}

/** Lines on stderr: every line minus stdout's (the helper keeps both in order). */
const stderrOf = (proc: ServerProcess) => {
  const out = new Set(proc.stdout());
  return proc.lines().filter((line) => !out.has(line));
};

let control: ControlProcess;

test("control plane: banners and its generated admin token on stderr; stdout is JSON lines", async () => {
  control = await startControlProcess(tempDir("stdout-json-control-"), {
    tokens: false,
    logLevel: "debug",
    env: { EDGE_CONTROL_READ_TOKEN: READ_TOKEN },
  });
  started.push(control);
  const token = (await Bun.file(`${control.dataDir}/admin-token`).text()).trim();
  const stderr = stderrOf(control);
  expect(stderr).toContain(token);
  expect(stderr.some((line) => line.includes("listening on"))).toBe(true);
  expect(control.stdout().join("\n")).not.toContain(token);

  const create = await control.api("/api/v1/functions", {
    token,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "logged" }),
  });
  expect(create.status).toBe(201);
  const { id } = (await create.json()) as { id: string };
  const form = new FormData();
  form.append("file", new Blob([textModule("v1")], { type: "application/wasm" }), "m.wasm");
  expect((await control.api(`/api/v1/functions/${id}/upload`, { token, method: "POST", body: form })).status).toBe(201);
  expect((await control.api("/api/v1/nope", { token })).status).toBe(404);
  for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(control.url + path)).status).toBe(200);
}, 30_000);

test("edge node (token from a file): banner on stderr; stdout is JSON lines", async () => {
  const file = tokenFile("stdout-json-read-token", `${READ_TOKEN}\n`);
  const edge = await startRunnerProcess(
    edgeArgs(control.url, tempDir("stdout-json-edge-"), "stdout-json-node", [
      "--log-level",
      "debug",
      "--token-file",
      file,
    ]),
    { timeoutMs: 20_000 },
  );
  started.push(edge);
  expect(stderrOf(edge)).toContain(edge.banner);
  expect(await (await fetch(`${edge.url}/logged`)).text()).toBe("v1");
  expect((await fetch(`${edge.url}/nobody-here`)).status).toBe(404);
  const lines = await stdoutAsJson(edge);
  expect(lines.some((line) => line.msg === "invocation" && line.function === "logged")).toBe(true);
  expect(lines.every((line) => line.node_id === "stdout-json-node")).toBe(true);
  expect(JSON.stringify(lines)).not.toContain(READ_TOKEN);
}, 30_000);

test("control plane, after its requests and a stop: stdout is JSON lines", async () => {
  const lines = await stdoutAsJson(control);
  expect(lines.some((line) => line.msg === "request" && line.route === "/api/v1/functions/:id/upload")).toBe(true);
  expect(lines.some((line) => line.status === 404)).toBe(true);
}, 30_000);

test("single-module runner: banner on stderr; stdout is JSON lines, guest lines and failures included", async () => {
  const runner = await startRunnerProcess([guestFile("logs"), "--log-level", "debug"]);
  started.push(runner);
  expect(stderrOf(runner)).toContain(runner.banner);
  expect(await (await fetch(runner.url, { method: "POST", body: "x" })).text()).toBe("logged");
  const trapping = await startRunnerProcess([guestFile("trap"), "--log-level", "debug"]);
  started.push(trapping);
  expect((await fetch(trapping.url)).status).toBe(500);
  const lines = await stdoutAsJson(runner);
  expect(lines.filter((line) => line.source === "guest").length).toBeGreaterThanOrEqual(3);
  expect(lines.some((line) => line.msg === "invocation")).toBe(true);
  const failed = await stdoutAsJson(trapping);
  expect(failed.some((line) => line.outcome === "trap")).toBe(true);
}, 30_000);
