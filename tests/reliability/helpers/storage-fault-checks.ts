// What the storage-fault scenarios (storage-faults.reliability.ts) do to a control plane and check
// of it: every kind of write, the reads that must keep working while its disk refuses writes, and
// a node that must stay connected and serving meanwhile.
import { paddedModule } from "../../fixtures/guests";
import { sha256 } from "../../helpers/sha256";
import type { ControlProcess } from "../../helpers/control-process";
import { startEdgeProcess } from "../../helpers/edge-process";
import { tempDir } from "../../helpers/temp-dir";
import { until } from "../../helpers/until";
import type { ServerProcess } from "../../helpers/server-process";
import { metric } from "../../helpers/metrics-text";
import { allVersions } from "../../helpers/control-api";

/** Heartbeats every 200 ms, so a node's reports (writes to the nodes table) come often. */
export const CONTROL_FLAGS = ["--heartbeat-ms", "200"];

/** An edge node following `c` and serving /<name>. */
export async function followingNode(c: ControlProcess, name: string): Promise<ServerProcess> {
  const edge = await startEdgeProcess(c.url, tempDir("rel-storage-edge-"), `${name}-node`, ["--workers", "1"]);
  await until("the node serves", async () => (await fetch(`${edge.url}/${name}`)).status === 200);
  return edge;
}

/**
 * The watch stream is a read: while the data dir refuses writes, a node's reports can't be
 * recorded but its socket must stay up. Samples for `ms`; returns the problems seen.
 */
export async function nodeStaysConnected(
  edge: ServerProcess,
  c: ControlProcess,
  name: string,
  ms: number,
): Promise<string[]> {
  const problems = new Set<string>();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await metric(edge.url, "edge_sync_connected")) !== 1) problems.add("node disconnected");
    if ((await fetch(`${edge.url}/${name}`)).status !== 200) problems.add("node stopped serving");
    await Bun.sleep(100);
  }
  if (c.lines().some((line) => line.includes("watch session failed"))) problems.add("watch session failed");
  return [...problems];
}

export interface Acked {
  version: number;
  sha256: string;
}

export const codeOf = async (response: Response) =>
  `${response.status} ${((await response.json()) as { error?: { code: string } }).error?.code ?? "ok"}`;

export async function uploadTo(c: ControlProcess, id: string, bytes: Uint8Array): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), "module.wasm");
  return c.api(`/api/v1/functions/${id}/upload`, { method: "POST", body: form });
}

/** Everything a reader needs still answers: the function list, the versions, every acknowledged artifact. */
export async function readsWork(c: ControlProcess, id: string, acked: Acked[]): Promise<string[]> {
  const problems: string[] = [];
  if ((await c.api("/api/v1/functions")).status !== 200) problems.push("list functions");
  if ((await fetch(`${c.url}/healthz`)).status !== 200) problems.push("healthz");
  const listed = await allVersions<Acked>((path) => c.api(path), id).catch(() => []);
  for (const a of acked) {
    if (!listed.some((v) => v.version === a.version && v.sha256 === a.sha256))
      problems.push(`version ${a.version} not listed`);
    const artifact = await c.api(`/api/v1/artifacts/${id}/${a.version}`);
    if (artifact.status !== 200 || sha256(new Uint8Array(await artifact.arrayBuffer())) !== a.sha256)
      problems.push(`artifact ${a.version}: ${artifact.status}`);
  }
  return problems;
}

/** `count` uploads of `padBytes`-padded modules, each acknowledged. */
export async function uploadVersions(
  c: ControlProcess,
  id: string,
  prefix: string,
  count: number,
  padBytes: number,
): Promise<Acked[]> {
  const acked: Acked[] = [];
  for (let i = 0; i < count; i++)
    acked.push((await (await uploadTo(c, id, paddedModule(`${prefix}-${i}`, padBytes))).json()) as Acked);
  return acked;
}

const JSON_TYPE = { "content-type": "application/json" };

/** Every kind of write, by name: an upload of `bytes`, then metadata only. */
export const writesTo = (id: string, bytes: Uint8Array): [string, (c: ControlProcess) => Promise<Response>][] => [
  ["upload", (c) => uploadTo(c, id, bytes)],
  [
    "create",
    (c) =>
      c.api("/api/v1/functions", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ name: "refused" }) }),
  ],
  [
    "patch",
    (c) =>
      c.api(`/api/v1/functions/${id}`, {
        method: "PATCH",
        headers: JSON_TYPE,
        body: JSON.stringify({ max_execution_ms: 100 }),
      }),
  ],
  [
    "activate",
    (c) =>
      c.api(`/api/v1/functions/${id}/activate`, {
        method: "POST",
        headers: JSON_TYPE,
        body: JSON.stringify({ version: 1 }),
      }),
  ],
  ["delete", (c) => c.api(`/api/v1/functions/${id}`, { method: "DELETE" })],
];

/** "<write>: <status> <code>" for each write, in order. */
export async function attempt(c: ControlProcess, writes: ReturnType<typeof writesTo>): Promise<string[]> {
  const answers: string[] = [];
  for (const [what, write] of writes) answers.push(`${what}: ${await codeOf(await write(c))}`);
  return answers;
}
