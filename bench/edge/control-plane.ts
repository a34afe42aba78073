// A control plane for the edge benchmarks: `bun control/main.ts` as a process on 127.0.0.1 with
// a fresh data directory, and the few API calls the benchmarks make.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** 32 characters; the admin token, also given to the edge nodes. */
export const TOKEN = "bench-token-0123456789abcdef0123";

export interface ControlPlane {
  url: string;
  pid: number;
  createFunction(name: string): Promise<string>;
  /** Uploads and activates a version; returns the version number. */
  upload(id: string, bytes: Uint8Array): Promise<number>;
  revision(): Promise<number>;
  /** Stops the process and deletes its data directory. */
  stop(): Promise<void>;
}

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, deleted at exit if nobody deleted it before. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function startControlPlane(): Promise<ControlPlane> {
  const dataDir = tempDir("bench-control-");
  const proc = Bun.spawn(
    ["bun", "control/main.ts", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "warn"],
    { env: { ...process.env, EDGE_CONTROL_TOKEN: TOKEN }, stdout: "pipe", stderr: "inherit" },
  );
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let url: string | undefined;
  while (!url) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`control plane exited before listening:\n${text}`);
    text += decoder.decode(value, { stream: true });
    url = text.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  }
  void (async () => { while (!(await reader.read()).done); })();
  const base = url;

  const api = async (path: string, init: RequestInit, expected: number): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${TOKEN}`);
    const response = await fetch(base + path, { ...init, headers });
    if (response.status !== expected) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  return {
    url: base,
    pid: proc.pid,
    async createFunction(name) {
      const body = JSON.stringify({ name });
      const response = await api("/api/v1/functions", { method: "POST", headers: { "content-type": "application/json" }, body }, 201);
      return ((await response.json()) as { id: string }).id;
    },
    async upload(id, bytes) {
      const form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/wasm" }), "module.wasm");
      const response = await api(`/api/v1/functions/${id}/upload`, { method: "POST", body: form }, 201);
      return ((await response.json()) as { version: number }).version;
    },
    async revision() {
      return ((await (await fetch(`${base}/healthz`)).json()) as { revision: number }).revision;
    },
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
