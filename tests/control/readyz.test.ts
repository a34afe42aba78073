// The control plane's /readyz: 200 with the revision while its store answers; 503 in the error
// shape while it cannot be used (its data dir removed or replaced under it: storage_lost; a read
// of the metadata store failing: storage_unavailable), logged once per stretch, never with a
// path or a stack in the response. No token needed, like /healthz.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readiness } from "../../control/observe/readiness";
import { SqliteMetadataStore } from "../../control/store/sqlite-metadata-store";
import { createLogger } from "../../core/observe/log";
import { startControlProcess, type ControlProcess } from "../helpers/control-process";
import { tempDir } from "../helpers/temp-dir";

const started: ControlProcess[] = [];
afterAll(() => Promise.all(started.map((proc) => proc.kill())));

const notReadyLines = (proc: ControlProcess) =>
  proc
    .stdout()
    .map((line) => JSON.parse(line) as { msg: string })
    .filter((line) => line.msg.startsWith("not ready"));

const ways: [string, (dataDir: string) => void][] = [
  ["removed", (dataDir) => rmSync(dataDir, { recursive: true, force: true })],
  [
    "replaced",
    (dataDir) => {
      renameSync(dataDir, `${dataDir}-old`);
      mkdirSync(dataDir);
    },
  ],
];

test.each(ways)(
  "ready while the store answers; 503 storage_lost once the data dir is %s",
  async (_how, breakIt) => {
    const dataDir = join(tempDir("readyz-control-"), "data");
    const control = await startControlProcess(dataDir, { logLevel: "info" });
    started.push(control);
    await control.createFunction({ name: "counted" });
    const ready = await fetch(`${control.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", revision: 1 }]);

    breakIt(dataDir);
    for (let i = 0; i < 3; i++) {
      const lost = await fetch(`${control.url}/readyz`);
      expect(lost.status).toBe(503);
      const { error } = (await lost.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("storage_lost");
      expect(error.message).not.toContain(dataDir);
    }
    await Bun.sleep(50); // the log is written once per turn of the event loop
    expect(notReadyLines(control)).toHaveLength(1);
    expect(JSON.stringify(notReadyLines(control))).toContain(dataDir);
  },
  30_000,
);

test("503 storage_unavailable while a read of the metadata store fails; ready again once it answers", async () => {
  const dir = tempDir("readyz-store-");
  const logged: Record<string, unknown>[] = [];
  const logger = createLogger("info", {}, (line) => logged.push(JSON.parse(line)));
  const broken = new SqliteMetadataStore(join(dir, "broken.sqlite"));
  broken.close(); // every read now fails, as on a failing disk
  let store = broken;
  const check = readiness({ metadata: { revision: () => store.revision() }, logger });

  for (let i = 0; i < 2; i++) {
    const answer = await check();
    expect(answer).toBeInstanceOf(Response);
    const response = answer as Response;
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("storage_unavailable");
    expect(body.error.message).not.toContain(dir);
  }
  expect(logged.map((line) => [line.level, line.msg])).toEqual([["error", "not ready: the store cannot be used"]]);

  store = new SqliteMetadataStore(join(dir, "working.sqlite"));
  expect(await check()).toEqual({ status: "ready", revision: 0 });
  expect(logged.at(-1)).toMatchObject({ level: "info", msg: "ready again: the store answers" });
  store.close();
});
