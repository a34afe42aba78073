// The API calls behind the commands, by function name (docs/control-plane.md): the by-name
// routes, the raw upload with ?if_changed=true, versions, activation and the node list.
import type { FunctionRecord, VersionRecord } from "../../core/contract/records";
import type { NodeRecord } from "../../core/contract/watch";
import { Failure } from "../output/errors";
import type { ControlPlane } from "./client";

const byName = (name: string) => `/api/v1/functions/by-name/${encodeURIComponent(name)}`;
const byId = (id: string) => `/api/v1/functions/${encodeURIComponent(id)}`;

export interface Found {
  record: FunctionRecord;
  etag: string | null;
}

export async function getFunction(cp: ControlPlane, name: string): Promise<Found | null> {
  const answer = await cp.request<FunctionRecord>("GET", byName(name), { ok: [200, 404] });
  if (answer.status === 404) return null;
  return { record: answer.body, etag: answer.headers.get("etag") };
}

/** Like getFunction, but a missing function is a Failure naming it. */
export async function requireFunction(cp: ControlPlane, name: string): Promise<Found> {
  const found = await getFunction(cp, name);
  if (found) return found;
  throw new Failure(`no function named ${name} on ${cp.url}`, "not_found");
}

/** Creates or updates the function to exactly `spec` (PUT states the whole spec). */
export async function putFunction(
  cp: ControlPlane,
  name: string,
  spec: Record<string, unknown>,
): Promise<Found & { created: boolean }> {
  const answer = await cp.request<FunctionRecord>("PUT", byName(name), { json: spec, ok: [200, 201] });
  return { record: answer.body, etag: answer.headers.get("etag"), created: answer.status === 201 };
}

/** Uploads the module; `created` is false when its bytes equal the active version's (nothing new). */
export async function uploadModule(
  cp: ControlPlane,
  id: string,
  bytes: Uint8Array,
  sha256: string,
): Promise<{ version: VersionRecord; created: boolean }> {
  const answer = await cp.request<VersionRecord>("POST", `${byId(id)}/upload?if_changed=true`, {
    body: bytes,
    headers: { "content-type": "application/wasm", "x-content-sha256": sha256 },
    ok: [200, 201],
    timeoutMs: 300_000,
  });
  return { version: answer.body, created: answer.status === 201 };
}

/** Every page of a cursor-paginated list. */
async function allPages<T>(cp: ControlPlane, path: string, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: Answer = (
      await cp.request("GET", cursor === null ? path : `${path}${sep}cursor=${encodeURIComponent(cursor)}`)
    ).body as Answer;
    items.push(...((page[key] as T[] | undefined) ?? []));
    cursor = page.next_cursor === null || page.next_cursor === undefined ? null : String(page.next_cursor);
  } while (cursor !== null);
  return items;
}
type Answer = Record<string, unknown> & { next_cursor?: string | null };

export const listFunctions = (cp: ControlPlane) =>
  allPages<FunctionRecord>(cp, "/api/v1/functions?limit=100", "functions");

export const listVersions = (cp: ControlPlane, id: string) =>
  allPages<VersionRecord>(cp, `${byId(id)}/versions`, "versions");

export async function activateVersion(cp: ControlPlane, id: string, version: number): Promise<FunctionRecord> {
  return (await cp.request<FunctionRecord>("POST", `${byId(id)}/activate`, { json: { version } })).body;
}

/** Deletes the function; with `etag`, only if it is still the record that was shown (If-Match). */
export async function deleteFunction(cp: ControlPlane, name: string, etag: string | null): Promise<void> {
  await cp.request("DELETE", byName(name), { headers: etag ? { "if-match": etag } : {}, ok: [204, 200] });
}

export interface NodeList {
  revision: number;
  nodes: NodeRecord[];
}

export async function listNodes(cp: ControlPlane): Promise<NodeList> {
  const first = (await cp.request<NodeList & { next_cursor: string | null }>("GET", "/api/v1/nodes?limit=1000")).body;
  const nodes = [...first.nodes];
  let cursor = first.next_cursor;
  while (cursor) {
    const page = (
      await cp.request<NodeList & { next_cursor: string | null }>(
        "GET",
        `/api/v1/nodes?limit=1000&cursor=${encodeURIComponent(cursor)}`,
      )
    ).body;
    nodes.push(...page.nodes);
    cursor = page.next_cursor;
  }
  return { revision: first.revision, nodes };
}
