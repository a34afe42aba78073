// What registering a function costs as the number of functions grows: the route-overlap check
// used to read and compare every other function's routes (~80 ms per create at 1,200 functions
// reported; O(n)), and is now a few index lookups in the routes table (O(log n)).
// Registers N functions one at a time, each with R routes (2: the default `/<name>`, `/<name>/*`;
// up to 32, the most a function may have) on a control plane process, and prints the median and
// p90 latency of the creates in each window of WINDOW functions, plus the same for the metadata
// store alone (in this process, no HTTP).
// Run alone: bun bench/create-cost.ts [N] [R] (default 5000 2)
import { rmSync } from "node:fs";
import { join } from "node:path";
import { defaultRoutes } from "../core/contract";
import { SqliteMetadataStore } from "../control/store/sqlite-metadata-store";
import { TOKEN } from "../tests/helpers/control-api";
import { startControlProcess } from "../tests/helpers/control-process";
import { tempDir } from "../tests/helpers/temp-dir";
import { functionSpec } from "../tests/helpers/function-spec";

const N = Number(Bun.argv[2] ?? 5000);
const ROUTES = Number(Bun.argv[3] ?? 2);
const routesOf = (name: string) =>
  ROUTES === 2
    ? defaultRoutes(name)
    : Array.from({ length: ROUTES }, (_, k) => (k % 2 ? `/${name}/r${k}/*` : `/${name}-r${k}`));
const WINDOW = 100;
const REPORT_AT = [WINDOW, 1200, 2500, 5000, 10000].filter((n) => n <= N);

export interface CreateCost {
  /** Functions already registered when the window's creates ran. */
  functions: number;
  httpMedianMs: number;
  httpP90Ms: number;
  storeMedianMs: number;
  storeP90Ms: number;
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function timeCreates(create: (name: string) => Promise<unknown>): Promise<Map<number, number[]>> {
  const windows = new Map<number, number[]>();
  for (let i = 0; i < N; i++) {
    const started = performance.now();
    await create(`fn-${String(i).padStart(5, "0")}`);
    const ms = performance.now() - started;
    const end = REPORT_AT.find((at) => i < at && i >= at - WINDOW);
    if (end !== undefined) windows.set(end, [...(windows.get(end) ?? []), ms]);
  }
  return windows;
}

export async function measureCreateCost(): Promise<CreateCost[]> {
  const control = await startControlProcess();
  const http = await timeCreates(async (name) => {
    const response = await fetch(`${control.url}/api/v1/functions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name, routes: routesOf(name) }),
    });
    if (response.status !== 201) throw new Error(`create ${name}: ${response.status} ${await response.text()}`);
  }).finally(() => control.stop());

  const dir = tempDir("bench-create-");
  const store = new SqliteMetadataStore(join(dir, "metadata.sqlite"));
  const direct = await timeCreates(async (name) => {
    const result = await store.createFunction(functionSpec(name, { routes: routesOf(name) }));
    if (!result.ok) throw new Error(`store create ${name}: ${result.reason}`);
  });
  store.close();
  rmSync(dir, { recursive: true, force: true });

  return REPORT_AT.map((at) => ({
    functions: at - WINDOW,
    httpMedianMs: round(quantile(http.get(at)!, 0.5)),
    httpP90Ms: round(quantile(http.get(at)!, 0.9)),
    storeMedianMs: round(quantile(direct.get(at)!, 0.5)),
    storeP90Ms: round(quantile(direct.get(at)!, 0.9)),
  }));
}

if (import.meta.main) {
  const rows = await measureCreateCost();
  console.log(`creates of function N+1..N+${WINDOW}, ${ROUTES} routes each, one at a time (ms):`);
  console.log("functions  HTTP median  HTTP p90  store median  store p90");
  for (const r of rows)
    console.log(
      [r.functions, r.httpMedianMs, r.httpP90Ms, r.storeMedianMs, r.storeP90Ms]
        .map((v, i) => String(v).padStart(i === 0 ? 9 : 11))
        .join("  "),
    );
}
