// RSS of an edge node serving 1,000 deployed functions: register N functions with distinct
// modules (hello-world sized, or with `codeKiB` of code each) on a control plane (concurrently), start a node with the default --cache-mb, wait until
// it has applied the control plane's revision, read its RSS, request every function once (each
// answer checked), read its RSS again. For scale, the RSS of a node with no functions first.
// Run alone: bun bench/many-functions.ts [N] [codeKiB] [workers]
import { startControlProcess, type ControlProcess } from "../tests/helpers/control-process";
import { metric } from "../tests/helpers/metrics-text";
import { edgeNodeSubject, waitForRevision } from "./edge/edge-node";
import { rssMiB, startSubject } from "./http-subject";
import { numberedModules } from "../tests/fixtures/guests";

export interface ManyFunctions {
  functions: number;
  /** --workers given to the node; null: its default (one per core). */
  workers: number | null;
  moduleBytes: number;
  registerSeconds: number;
  emptyNodeRssMiB: number;
  /** Spawn to the node's /healthz showing the control plane's revision, every function applied. */
  syncSeconds: number;
  rssAfterSyncMiB: number;
  requestSeconds: number;
  wrongAnswers: number;
  rssAfterRequestsMiB: number;
  moduleCacheModules: number;
  moduleCacheMiB: number;
  moduleCacheEvictions: number;
  poolFunctionsLoaded: number;
}

const REGISTER_CONCURRENCY = 16;
const REQUEST_CONCURRENCY = 8;
const SYNC_TIMEOUT_MS = 180_000;

const nameOf = (i: number) => `fn-${String(i).padStart(4, "0")}`;
const textOf = (i: number) => `Hello from ${nameOf(i)}!`;

/** Runs `task(0..n-1)` with at most `concurrency` at once. */
async function forEachConcurrently(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

async function emptyNodeRss(control: ControlProcess, nodeFlags: string[]): Promise<number> {
  const node = await startSubject(edgeNodeSubject("empty-node", control.url, "/healthz", nodeFlags));
  try {
    await Bun.sleep(500);
    return rssMiB(node.pid);
  } finally {
    await node.stop();
  }
}

export async function manyFunctions(
  n = 1000,
  codeKiB = 0,
  log: (line: string) => void = () => {},
  workers: number | null = null,
): Promise<ManyFunctions> {
  const nodeFlags = workers === null ? [] : ["--workers", String(workers)];
  const control = await startControlProcess();
  try {
    const emptyNodeRssMiB = await emptyNodeRss(control, nodeFlags);
    const modules = numberedModules(n, codeKiB, textOf);
    let t0 = performance.now();
    await forEachConcurrently(n, REGISTER_CONCURRENCY, async (i) => {
      await control.upload((await control.createFunction({ name: nameOf(i) })).id, modules[i]);
    });
    const registerSeconds = (performance.now() - t0) / 1000;
    log(`  registered ${n} functions in ${registerSeconds.toFixed(1)} s`);
    const revision = await control.revision();

    t0 = performance.now();
    const node = await startSubject(
      edgeNodeSubject("many-functions", control.url, `/${nameOf(0)}`, nodeFlags),
      SYNC_TIMEOUT_MS,
    );
    try {
      const health = await waitForRevision(node.base, revision, SYNC_TIMEOUT_MS);
      const syncSeconds = (performance.now() - t0) / 1000;
      if (health.functions !== n || health.problems.length > 0)
        throw new Error(
          `node serves ${health.functions} functions, problems: ${JSON.stringify(health.problems).slice(0, 500)}`,
        );
      const rssAfterSyncMiB = rssMiB(node.pid);
      log(`  node applied revision ${revision} in ${syncSeconds.toFixed(1)} s, RSS ${rssAfterSyncMiB.toFixed(0)} MiB`);

      let wrongAnswers = 0;
      t0 = performance.now();
      await forEachConcurrently(n, REQUEST_CONCURRENCY, async (i) => {
        const response = await fetch(`${node.base}/${nameOf(i)}`);
        if ((await response.text()) !== textOf(i)) wrongAnswers++;
      });
      const requestSeconds = (performance.now() - t0) / 1000;
      return {
        functions: n,
        workers,
        moduleBytes: modules[0].length,
        registerSeconds,
        emptyNodeRssMiB,
        syncSeconds,
        rssAfterSyncMiB,
        requestSeconds,
        wrongAnswers,
        rssAfterRequestsMiB: rssMiB(node.pid),
        moduleCacheModules: await metric(node.base, "edge_module_cache_modules"),
        moduleCacheMiB: (await metric(node.base, "edge_module_cache_bytes")) / 1048576,
        moduleCacheEvictions: await metric(node.base, "edge_module_cache_evictions_total"),
        poolFunctionsLoaded: await metric(node.base, "edge_pool_functions_loaded"),
      };
    } finally {
      await node.stop();
    }
  } finally {
    await control.stop();
  }
}

if (import.meta.main) {
  console.log(
    await manyFunctions(
      Number(Bun.argv[2] ?? 1000),
      Number(Bun.argv[3] ?? 0),
      console.log,
      Bun.argv[4] ? Number(Bun.argv[4]) : null,
    ),
  );
}
