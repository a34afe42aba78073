// The control plane's disk fills up, or goes read-only under it: writes fail with a clear 5xx
// (507 insufficient_storage, 503 storage_unavailable), never a 4xx blaming the client and never
// a bare 500; reads keep working; and once the disk is usable again, nothing is corrupt: every
// acknowledged upload is whole, no orphan artifact or temp file, SQLite's integrity check passes.
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { canMount, ext4, growTmpfs, tmpfs } from "./helpers/mounts";
import { report } from "./helpers/report";
import {
  type Acked,
  attempt,
  CONTROL_FLAGS,
  codeOf,
  followingNode,
  nodeStaysConnected,
  readsWork,
  uploadTo,
  uploadVersions,
  writesTo,
} from "./helpers/storage-fault-checks";
import { paddedModule } from "../fixtures/guests";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";
import { metric } from "../helpers/metrics-text";
import { allVersions } from "../helpers/control-api";

// These faults need root to mount a small tmpfs and a loop ext4 image (CI and the developers'
// machines run as root). Without it they fail rather than skip: a skipped fault test proves nothing.
const mountable = canMount();
const NEEDS_ROOT = "mounting a tmpfs or a loop ext4 image needs root";

let control: ControlProcess | undefined;
let node: ServerProcess | undefined;
afterAll(async () => {
  await node?.stop("SIGKILL");
  await control?.stop("SIGKILL");
});

/** After a restart on the repaired disk: integrity, every acknowledged upload, no orphans, no temp files, uploads work again. */
async function intact(dataDir: string, id: string, acked: Acked[]) {
  control = await startControlProcess(dataDir);
  const problems = await readsWork(control, id, acked);
  const versions = await allVersions<Acked>((path) => control!.api(path), id);
  const referenced = new Set(versions.map((v) => v.sha256));
  const files = readdirSync(join(dataDir, "artifacts")).flatMap((d) => readdirSync(join(dataDir, "artifacts", d)));
  const orphans = files.filter((f) => !referenced.has(f)).length;
  const temp = readdirSync(join(dataDir, "tmp")).length;
  const uploadAfter = (await uploadTo(control, id, paddedModule(`after-${Math.random()}`, 1000))).status;
  await control.stop("SIGTERM");
  const db = new Database(join(dataDir, "metadata.sqlite"), { readonly: true });
  const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
  db.close();
  return { problems, orphans, temp, uploadAfter, integrity };
}

/** What `intact` found, for the report. */
const lostAfter = (after: Awaited<ReturnType<typeof intact>>) =>
  `${after.problems.length} acknowledged uploads missing, ${after.orphans} orphan artifacts, ${after.temp} temp files, SQLite integrity ${after.integrity}`;

/** Runs `body` on `disk`, then stops the node and control plane it left running and releases the disk. */
async function onDisk<D extends { release(): Promise<void> }>(
  disk: D,
  body: (disk: D) => Promise<void>,
): Promise<void> {
  try {
    await body(disk);
  } finally {
    await node?.stop("SIGKILL");
    await control?.stop("SIGKILL");
    await disk.release();
  }
}

test("disk full: uploads and other writes answer 507, reads keep working, nothing is corrupt", async () => {
  expect(mountable, NEEDS_ROOT).toBe(true);
  await onDisk(tmpfs(2), async (disk) => {
    const dataDir = join(disk.dir, "data");
    control = await startControlProcess(dataDir, { extra: CONTROL_FLAGS });
    const fn = await control.createFunction({ name: "full" });
    const acked: Acked[] = [];
    acked.push((await (await uploadTo(control, fn.id, paddedModule("full-first", 1000))).json()) as Acked);
    node = await followingNode(control, "full");
    const refusals = new Map<string, number>();
    let sinceFull = 0;
    for (let i = 0; i < 60 && sinceFull < 8; i++) {
      const response = await uploadTo(control, fn.id, paddedModule(`full-${i}`, 150_000));
      if (response.status === 201) acked.push((await response.json()) as Acked);
      else {
        const code = await codeOf(response);
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
        sinceFull++;
      }
    }
    // Other writes on the full disk: metadata only.
    for (const write of [
      () =>
        control!.api("/api/v1/functions", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "another", env: { BIG: "x".repeat(16_000) } }),
        }),
      () =>
        control!.api(`/api/v1/functions/${fn.id}`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ env: { BIG: "y".repeat(16_000) } }),
        }),
    ]) {
      const response = await write();
      if (response.status >= 300) {
        const code = await codeOf(response);
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
      } else await response.arrayBuffer();
    }
    const readProblems = await readsWork(control, fn.id, acked);
    const nodeProblems = await nodeStaysConnected(node, control, "full", 2_000);
    await node.stop("SIGKILL");
    await control.stop("SIGTERM");

    growTmpfs(disk, 64);
    const after = await intact(dataDir, fn.id, acked);
    const refused = [...refusals].map(([code, count]) => `${count}x ${code}`).join(", ");
    console.log(
      `disk full (2 MiB tmpfs): ${acked.length} uploads acknowledged, then ${refused}; reads while full: ${readProblems.length ? readProblems.join("; ") : "all fine"}; node: ${nodeProblems.join(", ") || "connected and serving"}; after: ${JSON.stringify(after)}`,
    );
    report({
      scenario: "Disk full",
      tried:
        "150 KB uploads (and two metadata writes) to a control plane whose data dir is a 2 MiB tmpfs, until past full; then the disk grown and the control plane restarted",
      amount: `${acked.length} uploads acknowledged, then ${refused}`,
      lost: `${readProblems.length} failed reads while full; ${nodeProblems.length} watch problems; after: ${lostAfter(after)}`,
    });

    expect(acked.length).toBeGreaterThan(0);
    expect([...refusals.keys()].every((code) => code === "507 insufficient_storage")).toBe(true);
    expect(refusals.get("507 insufficient_storage") ?? 0).toBeGreaterThanOrEqual(8);
    expect(readProblems).toEqual([]);
    expect(nodeProblems).toEqual([]);
    expect(after).toEqual({ problems: [], orphans: 0, temp: 0, uploadAfter: 201, integrity: "ok" });
  });
}, 60_000);

test("data dir forced read-only under a running control plane: writes answer 503, reads and the watch keep working, also across a restart; nothing is corrupt", async () => {
  expect(mountable, NEEDS_ROOT).toBe(true);
  await onDisk(ext4(64), async (disk) => {
    const dataDir = join(disk.dir, "data");
    control = await startControlProcess(dataDir, { extra: CONTROL_FLAGS });
    const port = control.port;
    const fn = await control.createFunction({ name: "readonly" });
    const acked = await uploadVersions(control, fn.id, "ro", 3, 100_000);
    node = await followingNode(control, "readonly");

    disk.abort();
    const writes = writesTo(fn.id, paddedModule("ro-refused", 100_000));
    const answers = await attempt(control, writes);
    const readProblems = await readsWork(control, fn.id, acked);
    const nodeProblems = await nodeStaysConnected(node, control, "readonly", 2_000);
    // Reads work, so it stays ready (/readyz): the nodes need it for downloads and the watch.
    const ready = [(await fetch(`${control.url}/readyz`)).status];

    // Restarted while the disk is still read-only: it starts, serves reads and the watch, refuses writes.
    await control.stop("SIGKILL");
    control = await startControlProcess(dataDir, { port, extra: CONTROL_FLAGS });
    const restartedAnswers = await attempt(control, writes);
    const restartedReads = await readsWork(control, fn.id, acked);
    ready.push((await fetch(`${control.url}/readyz`)).status);
    await until(
      "the node reconnects to the restarted control plane",
      async () => (await metric(node!.url, "edge_sync_connected")) === 1,
      15_000,
    );
    const restartedNode = await nodeStaysConnected(node, control, "readonly", 1_000);
    await node.stop("SIGKILL");
    await control.stop("SIGKILL");

    await disk.remount();
    const after = await intact(dataDir, fn.id, acked);
    console.log(
      `read-only data dir: ${answers.join(", ")}; reads: ${readProblems.join("; ") || "all fine"}; node: ${nodeProblems.join(", ") || "connected and serving"}; ` +
        `restarted read-only: ${restartedAnswers.join(", ")}, reads: ${restartedReads.join("; ") || "all fine"}, node: ${restartedNode.join(", ") || "reconnected"}; after: ${JSON.stringify(after)}`,
    );
    report({
      scenario: "Read-only data dir",
      tried:
        "the control plane's ext4 data dir forced read-only while it runs (mount -o remount,abort) with a node following; every kind of write and read; a restart on the read-only disk; then remounted",
      amount: `${writes.length * 2} writes (before and after the restart), all 503 storage_unavailable; ${acked.length} versions read back each time`,
      lost: `${readProblems.length + restartedReads.length} failed reads, ${nodeProblems.length + restartedNode.length} watch problems; after: ${lostAfter(after)}`,
    });

    const refused = writes.map(([what]) => `${what}: 503 storage_unavailable`);
    expect({ answers, restartedAnswers }).toEqual({ answers: refused, restartedAnswers: refused });
    expect(ready).toEqual([200, 200]);
    expect({ readProblems, restartedReads, nodeProblems, restartedNode }).toEqual({
      readProblems: [],
      restartedReads: [],
      nodeProblems: [],
      restartedNode: [],
    });
    expect(after).toEqual({ problems: [], orphans: 0, temp: 0, uploadAfter: 201, integrity: "ok" });
  });
}, 90_000);

test("a clean shutdown, then the data dir read-only: the control plane starts, serves reads and a new node, refuses writes with 503; nothing is corrupt", async () => {
  expect(mountable, NEEDS_ROOT).toBe(true);
  await onDisk(ext4(32), async (disk) => {
    const dataDir = join(disk.dir, "data");
    control = await startControlProcess(dataDir, { extra: CONTROL_FLAGS });
    const fn = await control.createFunction({ name: "clean" });
    const acked = await uploadVersions(control, fn.id, "clean", 2, 50_000);
    const exit = await control.stop("SIGTERM");
    // What makes this case differ from a crash: a clean stop checkpoints the WAL and deletes -wal and -shm.
    const leftovers = readdirSync(dataDir).filter((name) => name.startsWith("metadata.sqlite-"));

    disk.abort();
    control = await startControlProcess(dataDir, { extra: CONTROL_FLAGS });
    const readProblems = await readsWork(control, fn.id, acked);
    node = await followingNode(control, "clean");
    const answers = await attempt(control, writesTo(fn.id, paddedModule("clean-refused", 50_000)).slice(0, 3));
    await node.stop("SIGKILL");
    await control.stop("SIGTERM");

    await disk.remount();
    const after = await intact(dataDir, fn.id, acked);
    console.log(
      `read-only after a clean stop: exit ${exit}, leftovers ${JSON.stringify(leftovers)}; ${answers.join(", ")}; reads: ${readProblems.join("; ") || "all fine"}; a new node served; after: ${JSON.stringify(after)}`,
    );
    report({
      scenario: "Read-only after a clean stop",
      tried:
        "the control plane stopped cleanly (no -wal, no -shm left), its ext4 data dir then forced read-only, started again on it; every kind of write and read; a new node following it; then remounted",
      amount: `${answers.length} writes, all 503 storage_unavailable; ${acked.length} versions read back; a node that had never seen it synced and served`,
      lost: `${readProblems.length} failed reads; after: ${lostAfter(after)}`,
    });

    expect({ exit, leftovers }).toEqual({ exit: 0, leftovers: [] });
    expect(answers).toEqual([
      "upload: 503 storage_unavailable",
      "create: 503 storage_unavailable",
      "patch: 503 storage_unavailable",
    ]);
    expect(readProblems).toEqual([]);
    expect(after).toEqual({ problems: [], orphans: 0, temp: 0, uploadAfter: 201, integrity: "ok" });
  });
}, 60_000);
