// What both control-plane kill -9 scenarios do (control-crash*.reliability.ts): uploads from
// several clients while the control plane is killed -9 at random moments and started again,
// then the check that every acknowledged upload is listed with its hash, versions are 1..N, and
// every version's bytes (through the API) hash to what its row says.
import { expect } from "bun:test";
import { paddedModule } from "../../fixtures/guests";
import { allVersions, TOKEN } from "../../helpers/control-api";
import type { ControlProcess } from "../../helpers/control-process";
import { sha256 } from "../../helpers/sha256";

export interface Acked {
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

export interface KillRun {
  acked: Acked[];
  sent: number;
  cut: number;
  refused: number;
  killDelays: number[];
}

/** `kills` rounds: start, `uploaders` clients upload 1 KiB-1 MiB modules, kill -9 after 50-500 ms. */
export async function uploadThroughKills(
  start: () => Promise<ControlProcess>,
  functionIds: string[],
  kills: number,
  uploaders: number,
): Promise<KillRun> {
  const run: KillRun = { acked: [], sent: 0, cut: 0, refused: 0, killDelays: [] };
  for (let round = 0; round < kills; round++) {
    const control = await start();
    let running = true;
    const uploader = async (k: number) => {
      while (running) {
        // 1 KiB to 1 MiB: small ones finish between kills, large ones are caught mid-stream.
        const bytes = paddedModule(`r${round}u${k}n${run.sent}`, Math.floor(1024 * 2 ** (Math.random() * 10)));
        run.sent++;
        const result = await upload(control.url, functionIds[(round + k) % functionIds.length]!, bytes);
        if (result === "cut") run.cut++;
        else if (result === "refused") run.refused++;
        else {
          expect(result.sha256).toBe(sha256(bytes));
          run.acked.push(result);
        }
      }
    };
    const uploading = Promise.all(Array.from({ length: uploaders }, (_, k) => uploader(k)));
    const delay = 50 + Math.floor(Math.random() * 450);
    run.killDelays.push(delay);
    await Bun.sleep(delay);
    running = false; // uploads in flight now are the ones the kill cuts
    await control.stop("SIGKILL");
    await uploading;
  }
  return run;
}

export interface Survivors {
  versionsOf: Map<string, { version: number; sha256: string }[]>;
  missing: Acked[];
  badRows: string[];
  rows: number;
}

/** Through a running control plane: the acknowledged uploads missing, and rows whose bytes are not theirs. */
export async function survivors(control: ControlProcess, functionIds: string[], acked: Acked[]): Promise<Survivors> {
  const versionsOf = new Map<string, { version: number; sha256: string }[]>();
  for (const id of functionIds) versionsOf.set(id, await allVersions((path) => control.api(path), id));
  const missing = acked.filter(
    (a) => !versionsOf.get(a.functionId)!.some((v) => v.version === a.version && v.sha256 === a.sha256),
  );
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
  return { versionsOf, missing, badRows, rows };
}
