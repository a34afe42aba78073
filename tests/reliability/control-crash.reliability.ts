// kill -9 of the control plane during uploads, 20 times at random moments, on one data dir.
// After a restart every acknowledged upload is there with the right SHA-256, every version row
// has its artifact, every artifact file is whole (its name is its hash) and referenced, and no
// temp file is left.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { n, report } from "./helpers/report";
import { sha256 } from "../helpers/sha256";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { tempDir } from "../helpers/temp-dir";
import { survivors, uploadThroughKills } from "./helpers/uploads-through-kills";

const KILLS = 20;
const UPLOADERS = 4;

let control: ControlProcess | undefined;
afterAll(() => control?.stop("SIGKILL"));

test(`kill -9 of the control plane during uploads, ${KILLS} times: every acknowledged upload survives, nothing partial or orphaned`, async () => {
  const dataDir = tempDir("rel-crash-control-");
  control = await startControlProcess(dataDir);
  const functionIds: string[] = [];
  for (const name of ["crash-a", "crash-b", "crash-c"]) functionIds.push((await control.createFunction({ name })).id);
  await control.stop("SIGTERM");

  const { acked, sent, cut, refused, killDelays } = await uploadThroughKills(
    async () => (control = await startControlProcess(dataDir)),
    functionIds,
    KILLS,
    UPLOADERS,
  );

  control = await startControlProcess(dataDir);
  const { versionsOf, missing, badRows, rows } = await survivors(control, functionIds, acked);
  await control.stop("SIGTERM");

  // On disk: every artifact file is named by the hash of its bytes and referenced by a row; tmp is empty.
  const referenced = new Set([...versionsOf.values()].flat().map((v) => v.sha256));
  const files: string[] = [];
  for (const dir of readdirSync(join(dataDir, "artifacts")))
    for (const name of readdirSync(join(dataDir, "artifacts", dir))) files.push(join(dataDir, "artifacts", dir, name));
  const partial = files.filter((file) => sha256(new Uint8Array(readFileSync(file))) !== file.split("/").pop());
  const orphans = files.filter((file) => !referenced.has(file.split("/").pop()!));
  const leftovers = readdirSync(join(dataDir, "tmp"));
  const db = new Database(join(dataDir, "metadata.sqlite"), { readonly: true });
  const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  db.close();

  const unacknowledged = rows - acked.length;
  console.log(
    `${KILLS} kills at ${killDelays.join(", ")} ms: ${n(sent)} uploads sent, ${n(acked.length)} acknowledged, ${cut} cut by a kill, ${refused} refused; ` +
      `after restart ${rows} versions (${unacknowledged} committed but not acknowledged), ${files.length} artifact files; ` +
      `missing ${missing.length}, bad rows ${badRows.length}, partial files ${partial.length}, orphan files ${orphans.length}, temp files ${leftovers.length}, integrity ${integrity}`,
  );
  report({
    scenario: "Control plane kill -9",
    tried: `${KILLS} kill -9 of the control plane at random moments (50-500 ms) while ${UPLOADERS} clients upload 1 KiB-1 MiB modules`,
    amount: `${n(sent)} uploads: ${n(acked.length)} acknowledged, ${cut} cut by a kill; ${rows} versions and ${files.length} artifacts after restart`,
    lost: `${missing.length} acknowledged uploads, ${badRows.length} rows without their artifact, ${partial.length} partial and ${orphans.length} orphan artifacts, ${leftovers.length} temp files; SQLite integrity ${integrity}`,
  });

  expect(missing).toEqual([]);
  expect(badRows).toEqual([]);
  expect(partial).toEqual([]);
  expect(orphans).toEqual([]);
  expect(leftovers).toEqual([]);
  expect(integrity).toBe("ok");
  expect(refused).toBe(0);
  expect(cut).toBeGreaterThanOrEqual(KILLS); // the kills did land mid-upload (about one per uploader per kill)
  expect(acked.length).toBeGreaterThan(KILLS);
}, 120_000);
