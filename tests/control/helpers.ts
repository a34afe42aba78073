// Starts a real control plane (Bun.serve on 127.0.0.1, port 0, real SQLite and files in a
// fresh temp data dir) and builds the requests the API tests send.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadControlConfig, type ControlConfig } from "../../control/config";
import { startControl } from "../../control/start-control";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { createLogger } from "../../core/observe/log";
import { wat } from "../fixtures/wat";

export const TOKEN = "test-admin-token-0123456789";
export const READ_TOKEN = "test-read-token-0123456789";
/** The tokens as a control plane reads them: from the environment, never the command line. */
export const CONTROL_TOKENS = { EDGE_CONTROL_TOKEN: TOKEN, EDGE_CONTROL_READ_TOKEN: READ_TOKEN };

export interface TestControl {
  url: string;
  dataDir: string;
  /** A request without credentials. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A request with the admin token (or `token`). */
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** POST JSON with the admin token. */
  post(path: string, body: unknown): Promise<Response>;
  createFunction(body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>>;
  upload(id: string, bytes: Uint8Array, options?: { query?: string; sha256?: string; token?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export function tempDir(prefix = "edge-control-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestControl(overrides: Partial<ControlConfig> = {}, dataDir = tempDir(), options: { work?: ArtifactWork } = {}): Promise<TestControl> {
  const flags = ["--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "error"];
  const loaded = loadControlConfig(flags, CONTROL_TOKENS);
  if (loaded.ok !== true) throw new Error(`test config: ${JSON.stringify(loaded)}`);
  const control = await startControl({ ...loaded.config, ...overrides }, createLogger("error"), options);
  const api: TestControl["api"] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
    return fetch(control.url + path, { ...init, headers });
  };
  const post = (path: string, body: unknown) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    url: control.url,
    dataDir,
    fetch: (path, init) => fetch(control.url + path, init),
    api,
    post,
    async createFunction(body) {
      const response = await post("/api/v1/functions", body);
      if (response.status !== 201) throw new Error(`create ${JSON.stringify(body)}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ id: string } & Record<string, unknown>>;
    },
    upload(id, bytes, options = {}) {
      const form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/wasm" }), "module.wasm");
      if (options.sha256 !== undefined) form.append("sha256", options.sha256);
      return api(`/api/v1/functions/${id}/upload${options.query ?? ""}`, { method: "POST", body: form, token: options.token });
    },
    async stop() {
      await control.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid edge v1 module; `marker` changes its bytes (a data segment) without changing behaviour. */
export function validModule(marker = "", memoryPages = 1): Uint8Array {
  return wat(`(module
    (import "edge" "response_write" (func (param i32 i32)))
    (memory (export "memory") ${memoryPages})
    (data (i32.const 0) "${marker.replace(/[^A-Za-z0-9 _-]/g, "")}")
    (func (export "handle")))`);
}

export const WASI_MODULE = () =>
  wat(`(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1) (func (export "handle")))`);

export async function errorOf(response: Response): Promise<{ code: string; message: string; field?: string }> {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}

/** Polls `check` until it returns true or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(20);
  }
  return check();
}
