// The control plane as a real process: kill -9, start again on the same data dir, and
// everything acknowledged before the kill is still there; half-done work is gone.
import { expect, test } from "bun:test";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { validModule } from "../fixtures/guests";
import { TOKEN } from "../helpers/control-api";
import { CONTROL_MAIN, startControlProcess } from "../helpers/control-process";
import { cleanEnv } from "../helpers/server-process";
import { sha256 } from "../helpers/sha256";
import { tempDir } from "../helpers/temp-dir";

/** The control plane with the test tokens, or with none (`tokens: false`: it makes its own). */
const start = (dataDir: string, tokens = true) => startControlProcess(dataDir, { tokens });

const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

async function upload(url: string, id: string, bytes: Uint8Array, query = "") {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "m.wasm");
  const response = await fetch(`${url}/api/v1/functions/${id}/upload${query}`, {
    method: "POST",
    headers: auth(),
    body: form,
  });
  expect(response.status).toBe(201);
  return response.json() as Promise<{ version: number }>;
}

test("kill -9 then start: functions, versions and artifacts intact; partial uploads and orphans gone", async () => {
  const dataDir = tempDir();
  const first = await start(dataDir);
  const create = async (name: string, extra = {}) =>
    (await (
      await fetch(`${first.url}/api/v1/functions`, {
        method: "POST",
        headers: { ...auth(), "content-type": "application/json" },
        body: JSON.stringify({ name, ...extra }),
      })
    ).json()) as { id: string };
  const a = await create("alpha", { env: { KEY: "value" }, max_execution_ms: 1234 });
  const b = await create("beta");
  const modules = [validModule("a1"), validModule("a2"), validModule("a3")];
  await upload(first.url, a.id, modules[0]!);
  await Promise.all([upload(first.url, a.id, modules[1]!), upload(first.url, a.id, modules[2]!, "?activate=false")]);
  await upload(first.url, b.id, modules[0]!);
  await fetch(`${first.url}/api/v1/functions/${a.id}/activate`, {
    method: "POST",
    headers: { ...auth(), "content-type": "application/json" },
    body: JSON.stringify({ version: 1 }),
  });
  const before = {
    functions: await (await fetch(`${first.url}/api/v1/functions`, { headers: auth() })).json(),
    versions: await (await fetch(`${first.url}/api/v1/functions/${a.id}/versions`, { headers: auth() })).json(),
    health: await (await fetch(`${first.url}/healthz`)).json(),
  };

  // An upload in flight when the process dies: its temp file must not survive a restart.
  const { port } = new URL(first.url);
  const socket = connect(Number(port), "127.0.0.1");
  await new Promise<void>((resolve) => socket.on("connect", resolve));
  socket.write(
    `POST /api/v1/functions/${b.id}/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n` +
      `--B\r\nContent-Disposition: form-data; name="file"; filename="m.wasm"\r\n\r\n`,
  );
  socket.write(Buffer.from(validModule("in-flight")));
  const tmp = join(dataDir, "tmp");
  const deadline = Date.now() + 3000;
  while (readdirSync(tmp).length === 0 && Date.now() < deadline) await Bun.sleep(10);
  expect(readdirSync(tmp).length).toBe(1);

  await first.kill();
  socket.destroy();
  // A crash between publishing a file and recording its version leaves an unreferenced artifact.
  const orphan = sha256(new TextEncoder().encode("orphan"));
  mkdirSync(join(dataDir, "artifacts", orphan.slice(0, 2)), { recursive: true });
  writeFileSync(join(dataDir, "artifacts", orphan.slice(0, 2), orphan), "orphan");

  const second = await start(dataDir);
  try {
    expect(await (await fetch(`${second.url}/api/v1/functions`, { headers: auth() })).json()).toEqual(before.functions);
    expect(await (await fetch(`${second.url}/api/v1/functions/${a.id}/versions`, { headers: auth() })).json()).toEqual(
      before.versions,
    );
    expect(await (await fetch(`${second.url}/healthz`)).json()).toEqual(before.health);
    // The two concurrent uploads took versions 2 and 3 in either order: go by the records.
    const records = (before.versions as { versions: { version: number; sha256: string }[] }).versions;
    expect(new Set(records.map((r) => r.sha256))).toEqual(new Set(modules.map(sha256)));
    for (const record of records) {
      const response = await fetch(`${second.url}/api/v1/artifacts/${a.id}/${record.version}`, { headers: auth() });
      expect(response.status).toBe(200);
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(record.sha256);
    }
    expect(readdirSync(tmp)).toEqual([]);
    expect(readdirSync(join(dataDir, "artifacts", orphan.slice(0, 2))).includes(orphan)).toBe(false);
    expect(
      (
        (await (await fetch(`${second.url}/api/v1/functions/${b.id}/versions`, { headers: auth() })).json()) as {
          versions: unknown[];
        }
      ).versions,
    ).toHaveLength(1);
    // And it keeps working: the next version number follows on.
    expect((await upload(second.url, a.id, validModule("a4"))).version).toBe(4);
  } finally {
    await second.kill();
  }
});

test("without a token: the generated admin token is printed once, works after a restart, and --show-admin-token prints it on request", async () => {
  const dataDir = tempDir();
  const first = await start(dataDir, false);
  const token = first.lines().find((line) => line.startsWith("ebc_"));
  expect(token).toBeDefined();
  expect((await fetch(`${first.url}/api/v1/functions`, { headers: auth(token) })).status).toBe(200);
  expect((await fetch(`${first.url}/api/v1/functions`, { headers: auth(TOKEN) })).status).toBe(401);
  expect(await first.stop()).toBe(0);
  const second = await start(dataDir, false);
  try {
    expect(second.lines().join("\n")).not.toContain(token!);
    expect(second.lines().join("\n")).toContain("admin token from");
    expect((await fetch(`${second.url}/api/v1/functions`, { headers: auth(token) })).status).toBe(200);
    // On request, while it runs: the token alone on stdout.
    const shown = Bun.spawnSync(["bun", CONTROL_MAIN, "--show-admin-token", "--data-dir", dataDir], {
      env: cleanEnv(),
    });
    expect({ code: shown.exitCode, stdout: shown.stdout.toString() }).toEqual({ code: 0, stdout: `${token}\n` });
  } finally {
    await second.kill();
  }
});
