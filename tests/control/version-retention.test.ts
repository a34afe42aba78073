// --keep-versions N: a function keeps its newest N versions and its active one; older rows go,
// and so do their artifacts unless another version refers to the same bytes. After each upload
// and activation, and for every function at start.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadControlConfig } from "../../control/config";
import { startControl } from "../../control/start-control";
import { createLogger } from "../../core/observe/log";
import { CONTROL_TOKENS, controlApi } from "../helpers/control-api";
import { validModule } from "../fixtures/guests";
import { sha256 } from "../helpers/sha256";
import { startTestControl, type TestControl } from "../helpers/test-control";
import { tempDir } from "../helpers/temp-dir";
import { artifactFiles, versionsOf } from "./upload-state";
import { sendJson } from "./api-calls";

let control: TestControl;
beforeAll(async () => {
  control = await startTestControl({ keepVersions: 2 });
});
afterAll(() => control.stop());

const hashesOnDisk = (dataDir: string) => new Set(artifactFiles(dataDir).map((p) => String(p).split("/").pop()));
const upload = async (id: string, bytes: Uint8Array, query = "") => {
  const response = await control.upload(id, bytes, { query });
  expect(response.status).toBe(201);
};

test("each upload keeps the newest N: older rows and their artifacts are deleted", async () => {
  const fn = await control.createFunction({ name: "kept" });
  const modules = [1, 2, 3, 4].map((i) => validModule(`kept${i}`));
  for (const bytes of modules) await upload(fn.id, bytes);
  expect((await versionsOf(control, fn.id)).map((v) => v.version)).toEqual([3, 4]);
  const disk = hashesOnDisk(control.dataDir);
  expect(modules.map((m) => disk.has(sha256(m)))).toEqual([false, false, true, true]);
  expect((await control.api(`/api/v1/artifacts/${fn.id}/1`)).status).toBe(404);
  // Numbers are never reused.
  await upload(fn.id, validModule("kept5"));
  expect((await versionsOf(control, fn.id)).map((v) => v.version)).toEqual([4, 5]);
});

test("never the active version: it stays while older than the newest N, and goes once another is active", async () => {
  const fn = await control.createFunction({ name: "kept-active" });
  const first = validModule("active1");
  await upload(fn.id, first);
  await upload(fn.id, validModule("active2"), "?activate=false");
  await upload(fn.id, validModule("active3"), "?activate=false");
  await upload(fn.id, validModule("active4"), "?activate=false");
  expect((await versionsOf(control, fn.id)).map((v) => [v.version, v.active])).toEqual([
    [1, true],
    [3, false],
    [4, false],
  ]);
  expect(hashesOnDisk(control.dataDir).has(sha256(first))).toBe(true);
  const activated = await sendJson(control, "POST", `/api/v1/functions/${fn.id}/activate`, { version: 4 });
  expect(activated.status).toBe(200);
  expect((await versionsOf(control, fn.id)).map((v) => v.version)).toEqual([3, 4]);
  expect(hashesOnDisk(control.dataDir).has(sha256(first))).toBe(false);
  // A version retention removed cannot be activated: 404, not a 500 for a missing file.
  const gone = await sendJson(control, "POST", `/api/v1/functions/${fn.id}/activate`, { version: 1 });
  expect(gone.status).toBe(404);
});

test("an artifact another version still refers to stays", async () => {
  const shared = validModule("shared");
  const a = await control.createFunction({ name: "shares-a" });
  const b = await control.createFunction({ name: "shares-b" });
  await upload(a.id, shared);
  await upload(b.id, shared);
  await upload(a.id, validModule("a2"));
  await upload(a.id, validModule("a3"));
  expect((await versionsOf(control, a.id)).map((v) => v.version)).toEqual([2, 3]);
  expect(hashesOnDisk(control.dataDir).has(sha256(shared))).toBe(true);
  expect((await control.api(`/api/v1/artifacts/${b.id}/1`)).status).toBe(200);
  // The same function: version 3's bytes are version 1's.
  const c = await control.createFunction({ name: "shares-self" });
  const again = validModule("again");
  await upload(c.id, again);
  await upload(c.id, validModule("between"));
  await upload(c.id, again);
  expect((await versionsOf(control, c.id)).map((v) => v.version)).toEqual([2, 3]);
  expect((await control.api(`/api/v1/artifacts/${c.id}/3`)).status).toBe(200);
});

test("at start, for every function: a lowered setting applies before the first request", async () => {
  const dataDir = tempDir("edge-retention-");
  const start = async (keepVersions?: number) => {
    const loaded = loadControlConfig(
      ["--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "error"],
      CONTROL_TOKENS,
    );
    if (loaded.ok !== true) throw new Error("config");
    return startControl({ ...loaded.config, keepVersions }, createLogger("error"));
  };
  try {
    const first = await start();
    const api = controlApi(first.url);
    const fn = await api.createFunction({ name: "lowered" });
    const modules = [1, 2, 3, 4].map((i) => validModule(`low${i}`));
    for (const bytes of modules) await api.upload(fn.id, bytes);
    await api.activate(fn.id, 2);
    await first.stop();
    expect(hashesOnDisk(dataDir).size).toBe(4);
    const second = await start(1);
    try {
      const listed = (await (await controlApi(second.url).api(`/api/v1/functions/${fn.id}/versions`)).json()) as {
        versions: { version: number }[];
      };
      expect(listed.versions.map((v) => v.version)).toEqual([2, 4]);
      expect([...hashesOnDisk(dataDir)].sort()).toEqual([sha256(modules[1]!), sha256(modules[3]!)].sort());
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
