// The tokens a test control plane is given, and a client for the API calls tests and benchmarks
// make against any control plane (a process or in-process) by its URL.

export const TOKEN = "test-admin-token-0123456789";
export const READ_TOKEN = "test-read-token-0123456789";
/** The tokens as a control plane reads them: from the environment, never the command line. */
export const CONTROL_TOKENS = { EDGE_CONTROL_TOKEN: TOKEN, EDGE_CONTROL_READ_TOKEN: READ_TOKEN };

export interface ControlApi {
  url: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  createFunction(body: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** Uploads and returns the version (activated unless `activate` is false). */
  upload(id: string, bytes: Uint8Array, activate?: boolean): Promise<{ version: number; sha256: string }>;
  activate(id: string, version: number): Promise<void>;
  patch(id: string, body: Record<string, unknown>): Promise<void>;
  remove(id: string): Promise<void>;
  revision(): Promise<number>;
  nodes(): Promise<{
    revision: number;
    nodes: {
      id: string;
      applied_revision: number;
      connected: boolean;
      address: string;
      problems: { function_id: string; version: number; reason: string }[];
    }[];
  }>;
}

/** Each call but `api` throws unless the control plane answers with the expected status. */
export function controlApi(url: string): ControlApi {
  const api: ControlApi["api"] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${init.token ?? TOKEN}`);
    return fetch(url + path, { ...init, headers });
  };
  const json = async <T>(response: Response, expected: number, what: string): Promise<T> => {
    if (response.status !== expected) throw new Error(`${what}: ${response.status} ${await response.text()}`);
    return (expected === 204 ? undefined : await response.json()) as T;
  };
  const send = (method: string, path: string, body: unknown) =>
    api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return {
    url,
    api,
    createFunction: async (body) => json(await send("POST", "/api/v1/functions", body), 201, "create"),
    async upload(id, bytes, activate = true) {
      const form = new FormData();
      form.append("file", new Blob([bytes], { type: "application/wasm" }), "module.wasm");
      return json(
        await api(`/api/v1/functions/${id}/upload${activate ? "" : "?activate=false"}`, { method: "POST", body: form }),
        201,
        "upload",
      );
    },
    activate: async (id, version) =>
      void (await json(await send("POST", `/api/v1/functions/${id}/activate`, { version }), 200, "activate")),
    patch: async (id, body) => void (await json(await send("PATCH", `/api/v1/functions/${id}`, body), 200, "patch")),
    remove: async (id) => void (await json(await api(`/api/v1/functions/${id}`, { method: "DELETE" }), 204, "delete")),
    revision: async () => ((await (await fetch(`${url}/healthz`)).json()) as { revision: number }).revision,
    nodes: async () => json(await api("/api/v1/nodes", { token: READ_TOKEN }), 200, "nodes"),
  };
}

/** The error object of an API error response. */
export async function errorOf(response: Response): Promise<{ code: string; message: string; field?: string }> {
  const body = (await response.json()) as { error: { code: string; message: string; field?: string } };
  return body.error;
}

/** Every version of a function, following `next_cursor` through the pages; throws on an error status. */
export async function allVersions<T extends { version: number } = { version: number; sha256: string; active: boolean }>(
  api: (path: string) => Promise<Response>,
  id: string,
): Promise<T[]> {
  const versions: T[] = [];
  let cursor: string | null = null;
  do {
    const response = await api(`/api/v1/functions/${id}/versions?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    if (response.status !== 200) throw new Error(`versions of ${id}: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { versions: T[]; next_cursor: string | null };
    versions.push(...page.versions);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return versions;
}
