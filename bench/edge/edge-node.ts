// An edge node for the benchmarks: `bun runner/main.ts --control-plane ...` as a Subject (so
// startSubject times it to its first 200 like the single-module runner), each start with an
// empty cache directory, i.e. a node that has never seen the control plane. Each start has its own
// node id too: a new cache dir is a new node key, and the control plane refuses an id registered
// with another key (so a second round under the same id never synced).
import { EDGE_TOKEN_ENV, edgeArgs } from "../../tests/helpers/edge-process";
import { tempDir } from "../../tests/helpers/temp-dir";
import type { Subject } from "../http-subject";

export function edgeNodeSubject(name: string, controlUrl: string, path: string, extra: string[] = []): Subject {
  let starts = 0;
  return {
    name,
    cmd: () => [
      "bun",
      "runner/main.ts",
      ...edgeArgs(controlUrl, tempDir("bench-edge-"), `${name}-${++starts}`, [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        ...extra,
      ]),
    ],
    env: EDGE_TOKEN_ENV,
    urlPattern: /\) at (http:\/\/127\.0\.0\.1:\d+)\//,
    path,
  };
}

export interface EdgeHealth {
  revision: number;
  synced: boolean;
  functions: number;
  problems: unknown[];
}

export async function edgeHealth(base: string): Promise<EdgeHealth> {
  return (await (await fetch(`${base}/healthz`)).json()) as EdgeHealth;
}

/** Polls the node's /healthz until it has applied `revision`; throws after `timeoutMs`. */
export async function waitForRevision(base: string, revision: number, timeoutMs: number): Promise<EdgeHealth> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const health = await edgeHealth(base);
    if (health.revision >= revision && health.synced) return health;
    if (performance.now() > deadline)
      throw new Error(`edge node at ${base} stuck at revision ${health.revision} of ${revision}`);
    await Bun.sleep(50);
  }
}
