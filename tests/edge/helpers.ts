// Edge tests: a control plane (in-process, or a real process that can be killed -9 and
// restarted on the same port), edge runners as real processes, and guests that say which
// version answered.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startCliRunner, type CliRunner } from "../helpers/cli-runner";
import { sample } from "../helpers/metrics-text";
import { CONTROL_TOKENS, READ_TOKEN, TOKEN } from "../control/helpers";
import { wat } from "../fixtures/wat";

export { READ_TOKEN, TOKEN };

const REPO_ROOT = join(import.meta.dir, "..", "..");
const dirs: string[] = [];
process.on("exit", () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Answers `text`; with `waits`, first spins for the milliseconds in x-wait-ms (default 0). */
export function versionModule(text: string, options: { waits?: boolean; padBytes?: number } = {}): Uint8Array {
  const pad = options.padBytes ? `(data (i32.const 65536) "${"\\00".repeat(options.padBytes)}")` : "";
  const wait = options.waits
    ? `(local.set $len (call $header (i32.const 256) (i32.const 9) (i32.const 64) (i32.const 16)))
       (block $parsed (loop $digit
         (br_if $parsed (i32.ge_s (local.get $i) (local.get $len)))
         (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (i32.load8_u (i32.add (i32.const 64) (local.get $i))) (i32.const 48))))
         (local.set $i (i32.add (local.get $i) (i32.const 1)))
         (br $digit)))
       (local.set $until (f64.add (call $now) (f64.convert_i32_u (local.get $n))))
       (loop $spin (br_if $spin (f64.lt (call $now) (local.get $until))))`
    : "";
  return wat(`(module
    (import "edge" "request_header" (func $header (param i32 i32 i32 i32) (result i32)))
    (import "edge" "time_now_ms" (func $now (result f64)))
    (import "edge" "response_write" (func $write (param i32 i32)))
    (memory ${options.padBytes ? Math.ceil((65536 + options.padBytes) / 65536) : 1})
    (data (i32.const 256) "x-wait-ms")
    (data (i32.const 512) "${text}")
    ${pad}
    (func (export "handle") (local $len i32) (local $i i32) (local $n i32) (local $until f64)
      ${wait}
      (call $write (i32.const 512) (i32.const ${new TextEncoder().encode(text).byteLength}))))`);
}

export interface ControlApi {
  url: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  createFunction(body: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** Uploads and returns the version (activated unless `activate` is false). */
  upload(id: string, bytes: Uint8Array, activate?: boolean): Promise<{ version: number; sha256: string }>;
  activate(id: string, version: number): Promise<void>;
  patch(id: string, body: Record<string, unknown>): Promise<void>;
  remove(id: string): Promise<void>;
  revision(): Promise<number>;
  nodes(): Promise<{ revision: number; nodes: { id: string; applied_revision: number; connected: boolean; address: string; problems: { function_id: string; version: number; reason: string }[] }[] }>;
}

export function controlApi(url: string): ControlApi {
  const api: ControlApi["api"] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
    return fetch(url + path, { ...init, headers });
  };
  const json = async <T>(response: Response, expected: number, what: string): Promise<T> => {
    if (response.status !== expected) throw new Error(`${what}: ${response.status} ${await response.text()}`);
    return (expected === 204 ? undefined : await response.json()) as T;
  };
  const send = (method: string, path: string, body: unknown) => api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    url,
    api,
    createFunction: async (body) => json(await send("POST", "/api/v1/functions", body), 201, "create"),
    async upload(id, bytes, activate = true) {
      const form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/wasm" }), "module.wasm");
      return json(await api(`/api/v1/functions/${id}/upload${activate ? "" : "?activate=false"}`, { method: "POST", body: form }), 201, "upload");
    },
    activate: async (id, version) => void (await json(await send("POST", `/api/v1/functions/${id}/activate`, { version }), 200, "activate")),
    patch: async (id, body) => void (await json(await send("PATCH", `/api/v1/functions/${id}`, body), 200, "patch")),
    remove: async (id) => void (await json(await api(`/api/v1/functions/${id}`, { method: "DELETE" }), 204, "delete")),
    revision: async () => ((await (await fetch(`${url}/healthz`)).json()) as { revision: number }).revision,
    nodes: async () => json(await api("/api/v1/nodes", { token: READ_TOKEN }), 200, "nodes"),
  };
}

export interface ControlProcess extends ControlApi {
  pid: number;
  port: number;
  dataDir: string;
  /** SIGKILL: no goodbye to the nodes, like a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** `bun control/main.ts` as a process; `port` 0 picks one, a known port restarts on it. */
export async function startControlProcess(dataDir: string, port = 0, extra: string[] = []): Promise<ControlProcess> {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    ["bun", join(REPO_ROOT, "control", "main.ts"), "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "warn", ...extra],
    { cwd: REPO_ROOT, env: { ...process.env, ...CONTROL_TOKENS }, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let text = "";
  const decoder = new TextDecoder();
  const reader = proc.stdout.getReader();
  const deadline = Date.now() + 10_000;
  let url: string | undefined;
  while (!url) {
    if (Date.now() > deadline) throw new Error(`control plane did not start: ${text}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`control plane exited: ${text}${await new Response(proc.stderr).text()}`);
    text += decoder.decode(value, { stream: true });
    url = text.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  const kill = async (signal: NodeJS.Signals) => {
    if (proc.exitCode === null) proc.kill(signal);
    await proc.exited;
  };
  return { ...controlApi(url), pid: proc.pid, port: Number(new URL(url).port), dataDir, kill: () => kill("SIGKILL"), stop: () => kill("SIGTERM") };
}

/** An edge runner process on 127.0.0.1 port 0 following `controlUrl` with the read-only token. */
export function startEdgeRunner(controlUrl: string, cacheDir: string, nodeId: string, extra: string[] = []): Promise<CliRunner> {
  return startCliRunner(["--control-plane", controlUrl, "--cache-dir", cacheDir, "--node-id", nodeId, "--workers", "1", "--log-level", "warn", ...extra], 15_000, { EDGE_RUNNER_TOKEN: READ_TOKEN });
}

export async function body(url: string, init?: RequestInit): Promise<string> {
  const response = await fetch(url, init);
  return `${response.status} ${await response.text()}`;
}

/** Polls until `check` holds; throws with `what` after `ms` (a generous bound, not a timing assertion). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await Bun.sleep(5);
  }
}

export async function metric(runnerUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sample(await (await fetch(`${runnerUrl}/metrics`)).text(), name, labels) ?? 0;
}
