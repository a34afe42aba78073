// kill -9 of the control plane during uploads, 20 times at random moments, on one data dir.
// After a restart every acknowledged upload is there with the right SHA-256, every version row
// has its artifact, every artifact file is whole (its name is its hash) and referenced, and no
// temp file is left.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { n, report } from "./helpers/report";
import { paddedModule } from "../fixtures/guests";
import { sha256 } from "../helpers/sha256";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { tempDir } from "../helpers/temp-dir";
import { allVersions, TOKEN } from "../helpers/control-api";

const KILLS = 20;
const UPLOADERS = 4;

let control: ControlProcess | undefined;
afterAll(() => control?.stop("SIGKILL"));

interface Acked {
  functionId: string;
  version: number;
  sha256: string;
}

async function upload(url: string, functionId: string, bytes: Uint8Array): Promise<Acked | "refused" | "cut"> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "module.wasm");
  try {
    const response = await fetch(`${url}/api/v1/functions/${functionId}/upload`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (response.status !== 201) return "refused";
    const version = (await response.json()) as { version: number; sha256: string };
    return { functionId, version: version.version, sha256: version.sha256 };
  } catch {
    return "cut"; // the process died under it: not acknowledged
  }
}

test(`kill -9 of the control plane during uploads, ${KILLS} times: every acknowledged upload survives, nothing partial or orphaned`, async () => {
  const dataDir = tempDir("rel-crash-control-");
  control = await startControlProcess(dataDir);
  const functionIds: string[] = [];
  for (const name of ["crash-a", "crash-b", "crash-c"]) functionIds.push((await control.createFunction({ name })).id);
  await control.stop("SIGTERM");

  const acked: Acked[] = [];
  let cut = 0;
  let refused = 0;
  let sent = 0;
  const killDelays: number[] = [];
  for (let round = 0; round < KILLS; round++) {
    control = await startControlProcess(dataDir);
    const url = control.url;
    let running = true;
    const uploader = async (k: number) => {
      while (running) {
        // 1 KiB to 1 MiB: small ones finish between kills, large ones are caught mid-stream.
        const bytes = paddedModule(`r${round}u${k}n${sent}`, Math.floor(1024 * 2 ** (Math.random() * 10)));
        sent++;
        const result = await upload(url, functionIds[(round + k) % functionIds.length]!, bytes);
        if (result === "cut") cut++;
        else if (result === "refused") refused++;
        else {
          expect(result.sha256).toBe(sha256(bytes));
          acked.push(result);
        }
      }
    };
    const uploading = Promise.all(Array.from({ length: UPLOADERS }, (_, k) => uploader(k)));
    const delay = 50 + Math.floor(Math.random() * 450);
    killDelays.push(delay);
    await Bun.sleep(delay);
    running = false; // uploads in flight now are the ones the kill cuts
    await control.stop("SIGKILL");
    await uploading;
  }

  control = await startControlProcess(dataDir);
  // Every acknowledged upload: listed with its hash, and its bytes hash to it.
  const versionsOf = new Map<string, { version: number; sha256: string }[]>();
  for (const id of functionIds) versionsOf.set(id, await allVersions((path) => control!.api(path), id));
  const missing = acked.filter(
    (a) => !versionsOf.get(a.functionId)!.some((v) => v.version === a.version && v.sha256 === a.sha256),
  );
  // Every version row (acknowledged or not): its artifact is there and whole.
  const badRows: string[] = [];
  let rows = 0;
  for (const [id, versions] of versionsOf) {
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1)); // 1..N, no gaps
    for (const v of versions) {
      rows++;
      const response = await control.api(`/api/v1/artifacts/${id}/${v.version}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.status !== 200 || sha256(bytes) !== v.sha256) badRows.push(`${id}/${v.version}: ${response.status}`);
    }
  }
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
