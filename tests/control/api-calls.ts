// Requests the by-name, conditional and raw-upload tests send: JSON with any method and headers,
// and a module as the raw body.
import type { TestControl } from "../helpers/test-control";

/** A JSON request with the admin token (or `token`) and extra headers. */
export function sendJson(
  control: TestControl,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  token?: string,
): Promise<Response> {
  return control.api(path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    token,
  });
}

/** POST the module as the body, Content-Type: application/wasm. */
export function rawUpload(
  control: TestControl,
  path: string,
  bytes: Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return control.api(path, {
    method: "POST",
    headers: { "content-type": "application/wasm", ...headers },
    body: bytes,
  });
}

/** The store's revision, as /healthz reports it. */
export async function revisionOf(control: TestControl): Promise<number> {
  return ((await (await control.fetch("/healthz")).json()) as { revision: number }).revision;
}
