// Deploy to first response on a warm edge node: with a node running and serving, upload a new
// version of a function (and, separately, register and upload a new function), then poll the
// node until it answers with the new content. The clock runs from before the upload request to
// that answer, so it includes the upload (pipeline check, fsync, SQLite), the push over the
// watch stream, and on the node the download, SHA-256 verification, compile, load and table swap.
// Run alone: bun bench/deploy-latency.ts
import { startControlProcess, type ControlProcess } from "../tests/helpers/control-process";
import { edgeNodeSubject } from "./edge/edge-node";
import { median, startSubject } from "./http-subject";
import { textModule } from "../tests/fixtures/guests";

export interface DeploySeries {
  runs: number;
  totalMs: number[];
  /** The upload request alone (register + upload for new functions). */
  apiMs: number[];
  medianMs: number;
  maxMs: number;
  medianApiMs: number;
}

export interface DeployLatency {
  newVersion: DeploySeries;
  newFunction: DeploySeries;
}

const POLL_TIMEOUT_MS = 10_000;

async function servedAfter(url: string, text: string): Promise<void> {
  const deadline = performance.now() + POLL_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(url);
    if (response.ok && (await response.text()) === text) return;
    if (performance.now() > deadline) throw new Error(`${url} never answered ${JSON.stringify(text)}`);
  }
}

function series(total: number[], api: number[]): DeploySeries {
  return {
    runs: total.length,
    totalMs: total,
    apiMs: api,
    medianMs: median(total),
    maxMs: Math.max(...total),
    medianApiMs: median(api),
  };
}

async function deployVersions(
  control: ControlProcess,
  id: string,
  nodeBase: string,
  runs: number,
): Promise<DeploySeries> {
  const total: number[] = [];
  const api: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const text = `deploy version ${i}`;
    const bytes = textModule(text);
    const t0 = performance.now();
    await control.upload(id, bytes);
    api.push(performance.now() - t0);
    await servedAfter(`${nodeBase}/deploy`, text);
    total.push(performance.now() - t0);
  }
  return series(total, api);
}

async function deployFunctions(control: ControlProcess, nodeBase: string, runs: number): Promise<DeploySeries> {
  const total: number[] = [];
  const api: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const name = `fresh-${i}`;
    const bytes = textModule(`function ${name}`);
    const t0 = performance.now();
    await control.upload((await control.createFunction({ name })).id, bytes);
    api.push(performance.now() - t0);
    await servedAfter(`${nodeBase}/${name}`, `function ${name}`);
    total.push(performance.now() - t0);
  }
  return series(total, api);
}

export async function deployLatency(runs = 10): Promise<DeployLatency> {
  const control = await startControlProcess();
  try {
    const { id } = await control.createFunction({ name: "deploy" });
    await control.upload(id, textModule("deploy version 0"));
    const node = await startSubject(edgeNodeSubject("deploy-latency", control.url, "/deploy"));
    try {
      // Warm: the node has served, its workers and the JIT have seen requests.
      for (let i = 0; i < 200; i++) await (await fetch(`${node.base}/deploy`)).text();
      const newVersion = await deployVersions(control, id, node.base, runs);
      const newFunction = await deployFunctions(control, node.base, runs);
      return { newVersion, newFunction };
    } finally {
      await node.stop();
    }
  } finally {
    await control.stop();
  }
}

if (import.meta.main) {
  const result = await deployLatency();
  for (const [name, s] of [
    ["new version", result.newVersion],
    ["new function", result.newFunction],
  ] as const) {
    console.log(
      `${name}: median ${s.medianMs.toFixed(1)} ms, max ${s.maxMs.toFixed(1)} ms (API call median ${s.medianApiMs.toFixed(1)} ms); runs ${s.totalMs.map((v) => v.toFixed(1)).join(", ")}`,
    );
  }
}
