// The data dir belongs to one control plane: a second process on it is refused (naming the
// holder's PID) before it touches anything, so the first's upload in flight survives; the lock
// dies with its process. The dir is private (0700, its files 0600), fixed at every start. A data
// dir removed under a running control plane refuses writes (503 storage_lost) and fails /healthz.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadControlConfig } from "../../control/config";
import { startControl } from "../../control/start-control";
import { DataDirGuard } from "../../control/store/data-dir-guard";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { DataDirLost } from "../../control/store/storage-errors";
import { createLogger } from "../../core/observe/log";
import { functionSpec } from "../helpers/function-spec";
import { startControlProcess } from "../helpers/control-process";
import { until } from "../helpers/until";
import { CONTROL_TOKENS, errorOf, TOKEN } from "../helpers/control-api";
import { startTestControl } from "../helpers/test-control";
import { tempDir } from "../helpers/temp-dir";
import { validModule } from "../fixtures/guests";

const MAIN = resolve(import.meta.dir, "../../control/main.ts");
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const dataDir = () => {
  const dir = tempDir("edge-data-dir-");
  dirs.push(dir);
  return dir;
};

/** `bun control/main.ts` expected to refuse to start: its exit code and output. */
async function refusedStart(dir: string): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn(["bun", MAIN, "--port", "0", "--host", "127.0.0.1", "--data-dir", dir], {
    env: { ...process.env, ...CONTROL_TOKENS },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  clearTimeout(timer);
  return { code, output: out + err };
}

/** An upload whose body the test finishes when it wants: the multipart head and half the module now. */
function slowUpload(url: string, id: string, bytes: Uint8Array) {
  const boundary = "----slow-upload-boundary";
  const head = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.wasm"\r\nContent-Type: application/wasm\r\n\r\n`,
  );
  const tail = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const half = bytes.byteLength >> 1;
  controller.enqueue(head);
  controller.enqueue(bytes.subarray(0, half));
  const response = fetch(`${url}/api/v1/functions/${id}/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: "half",
  } as RequestInit);
  return {
    response,
    finish() {
      controller.enqueue(bytes.subarray(half));
      controller.enqueue(tail);
      controller.close();
    },
  };
}

test("a second control plane on the data dir is refused naming the first's PID, and the first's upload in flight completes; the lock dies with the process", async () => {
  const dir = dataDir();
  const first = await startControlProcess(dir);
  try {
    const fn = await first.createFunction({ name: "locked" });
    const module = validModule(`locked-${"x".repeat(64 * 1024)}`);
    const upload = slowUpload(first.url, fn.id, module);
    await until("the upload is staged in tmp/", () => readdirSync(join(dir, "tmp")).length === 1);

    const second = await refusedStart(dir);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`is in use by another control plane (PID ${first.pid})`);
    expect(second.output).not.toContain(TOKEN);

    upload.finish();
    const response = await upload.response;
    expect(response.status).toBe(201);
    const version = (await response.json()) as { version: number; sha256: string };
    const artifact = await first.api(`/api/v1/artifacts/${fn.id}/${version.version}`);
    expect(Buffer.from(await artifact.arrayBuffer()).equals(Buffer.from(module))).toBe(true);
  } finally {
    await first.kill();
  }
  // kill -9 leaves no lock behind.
  const third = await startControlProcess(dir);
  try {
    expect((await third.api("/api/v1/functions")).status).toBe(200);
  } finally {
    await third.stop();
  }
}, 30_000);

test("in one process too: a second start on a locked data dir is refused; stop() lets go", async () => {
  const dir = dataDir();
  const loaded = loadControlConfig(
    ["--port", "0", "--host", "127.0.0.1", "--data-dir", dir, "--log-level", "error"],
    CONTROL_TOKENS,
  );
  if (loaded.ok !== true) throw new Error("config");
  const logger = createLogger("error");
  const first = await startControl(loaded.config, logger);
  await expect(startControl(loaded.config, logger)).rejects.toThrow(
    `is in use by another control plane (PID ${process.pid})`,
  );
  await first.stop();
  const again = await startControl(loaded.config, logger);
  await again.stop();
});

test("the data dir is made 0700 and metadata.sqlite, -wal, -shm and admin-token 0600, at every start", async () => {
  const names = [".", "metadata.sqlite", "metadata.sqlite-wal", "metadata.sqlite-shm", "admin-token"];
  const modes = (dir: string) =>
    Object.fromEntries(
      names
        .filter((name) => existsSync(join(dir, name)))
        .map((name) => [name, (statSync(join(dir, name)).mode & 0o777).toString(8)]),
    );
  const dir = dataDir();
  chmodSync(dir, 0o755); // An existing dir, as an operator may have made it.
  const loaded = loadControlConfig(["--port", "0", "--host", "127.0.0.1", "--data-dir", dir], {});
  if (loaded.ok !== true) throw new Error("config");
  const start = () => startControl(loaded.config, createLogger("error"));
  const all600 = {
    ".": "700",
    "metadata.sqlite": "600",
    "metadata.sqlite-wal": "600",
    "metadata.sqlite-shm": "600",
    "admin-token": "600",
  };

  const first = await start();
  const created = await fetch(`${first.url}/api/v1/functions`, {
    method: "POST",
    headers: { authorization: `Bearer ${first.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "private", env: { SECRET: "value" } }),
  });
  expect(created.status).toBe(201);
  expect(modes(dir)).toEqual(all600);
  await first.stop();

  // Opened up while stopped (by an earlier release, or by hand): fixed at the next start.
  for (const name of names) if (existsSync(join(dir, name))) chmodSync(join(dir, name), 0o755);
  const second = await start();
  expect(modes(dir)).toEqual(all600);
  await second.stop();
});

test("data dir removed under a running control plane: every write answers 503 storage_lost, /healthz 503, reads keep working", async () => {
  const dir = dataDir();
  const control = await startTestControl({}, dir);
  try {
    const fn = await control.createFunction({ name: "doomed" });
    expect((await control.fetch("/healthz")).status).toBe(200);
    rmSync(dir, { recursive: true, force: true });

    const writes = [
      await control.post("/api/v1/functions", { name: "lost" }),
      await control.api(`/api/v1/functions/${fn.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ max_execution_ms: 100 }),
      }),
      await control.upload(fn.id, validModule("lost")),
      await control.api(`/api/v1/functions/${fn.id}`, { method: "DELETE" }),
    ];
    for (const response of writes) {
      expect(response.status).toBe(503);
      const error = await errorOf(response);
      expect(error.code).toBe("storage_lost");
      expect(error.message).not.toContain(dir);
    }
    const health = await control.fetch("/healthz");
    expect(health.status).toBe(503);
    expect((await errorOf(health)).code).toBe("storage_lost");
    expect((await control.api(`/api/v1/functions/${fn.id}`)).status).toBe(200);
  } finally {
    await control.stop();
  }
});

test("the metadata store refuses a commit once the data dir is gone, and rolls it back", async () => {
  const dir = dataDir();
  const path = join(dir, "metadata.sqlite");
  let guard: DataDirGuard | undefined;
  const store = new SqliteMetadataStore(path, undefined, () => guard?.assertIntact());
  guard = new DataDirGuard(dir);
  expect((await store.createFunction(functionSpec("before"))).ok).toBe(true);
  rmSync(dir, { recursive: true, force: true });
  await expect(store.createFunction(functionSpec("after"))).rejects.toBeInstanceOf(DataDirLost);
  expect(await store.revision()).toBe(1);
  expect(await store.countFunctions()).toBe(1);
  store.close();
});
