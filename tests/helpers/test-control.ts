// A real control plane in this process (Bun.serve on 127.0.0.1, port 0, real SQLite and files in
// a fresh temp data dir), and the requests the API tests send to it. With EDGE_TEST_CONTROL_STORE
// =postgres (tests/run.ts's second pass) its metadata is in PostgreSQL instead, in a fresh schema.
import { rmSync } from "node:fs";
import { loadControlConfig, type ControlConfig } from "../../control/config";
import { startControl } from "../../control/start-control";
import type { ArtifactWork } from "../../core/module/offload/artifact-work";
import { createLogger } from "../../core/observe/log";
import { CONTROL_TOKENS, TOKEN } from "./control-api";
import { freshSchema, testPostgres, type TestSchema } from "./postgres";
import { tempDir } from "./temp-dir";

/** A schema of its own when this pass runs the API tests on PostgreSQL and the test named no database. */
async function postgresSchema(overrides: Partial<ControlConfig>): Promise<TestSchema | null> {
  if (process.env.EDGE_TEST_CONTROL_STORE !== "postgres" || overrides.databaseUrl !== undefined) return null;
  const base = await testPostgres();
  if (!base) throw new Error("EDGE_TEST_CONTROL_STORE=postgres, and no PostgreSQL answers");
  return freshSchema(base);
}

export interface TestControl {
  url: string;
  dataDir: string;
  /** The PostgreSQL (with its schema) holding the metadata; undefined: SQLite in the data dir. */
  databaseUrl?: string;
  /** A request without credentials. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A request with the admin token (or `token`). */
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** POST JSON with the admin token. */
  post(path: string, body: unknown): Promise<Response>;
  createFunction(body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>>;
  /** The upload's response, whatever its status. */
  upload(
    id: string,
    bytes: Uint8Array,
    options?: { query?: string; sha256?: string; token?: string },
  ): Promise<Response>;
  /** Stops the server and removes its data dir. */
  stop(): Promise<void>;
}

export async function startTestControl(
  overrides: Partial<ControlConfig> = {},
  dataDir = tempDir("edge-control-"),
  options: { work?: ArtifactWork; environment?: Record<string, string | undefined> } = {},
): Promise<TestControl> {
  const flags = ["--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "error"];
  const loaded = loadControlConfig(flags, CONTROL_TOKENS);
  if (loaded.ok !== true) throw new Error(`test config: ${JSON.stringify(loaded)}`);
  const schema = await postgresSchema(overrides);
  const database = schema ? { databaseUrl: schema.url } : {};
  const control = await startControl({ ...loaded.config, ...database, ...overrides }, createLogger("error"), {
    environment: process.env,
    ...options,
  });
  const api: TestControl["api"] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
    return fetch(control.url + path, { ...init, headers });
  };
  const post = (path: string, body: unknown) =>
    api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    url: control.url,
    dataDir,
    databaseUrl: schema?.url ?? overrides.databaseUrl,
    fetch: (path, init) => fetch(control.url + path, init),
    api,
    post,
    async createFunction(body) {
      const response = await post("/api/v1/functions", body);
      if (response.status !== 201)
        throw new Error(`create ${JSON.stringify(body)}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<{ id: string } & Record<string, unknown>>;
    },
    upload(id, bytes, options = {}) {
      const form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/wasm" }), "module.wasm");
      if (options.sha256 !== undefined) form.append("sha256", options.sha256);
      return api(`/api/v1/functions/${id}/upload${options.query ?? ""}`, {
        method: "POST",
        body: form,
        token: options.token,
      });
    },
    async stop() {
      await control.stop();
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
