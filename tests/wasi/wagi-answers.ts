// What the WAGI examples (functions/examples/rust-wagi, c-wagi) answer, shared by the tests that
// run them in single-file mode and through a control plane and an edge node.
import { expect } from "bun:test";
import type { WagiExample } from "../helpers/wagi-examples";

/** The greeting each example prints when its env has no GREETING. */
export const DEFAULT_GREETING: Record<WagiExample, string> = {
  "rust-wagi": "Hello from Rust on WASI!",
  "c-wagi": "Hello from C on WASI!",
};

/** The body of a GET: the greeting, then what the example read from the CGI variables. */
export function greetingBody(greeting: string, path: string, query: string, method = "GET"): string {
  return `${greeting}\nmethod: ${method}\npath: ${path}\nquery: ${query}\n`;
}

/** Every byte value, then enough more to take several reads of stdin. */
export function echoBody(): Uint8Array {
  const bytes = new Uint8Array(70_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

/** POSTs `bytes` to `url` and checks they come back whole, with the request's content type. */
export async function expectEcho(url: string, bytes: Uint8Array, contentType = "application/x-test"): Promise<void> {
  const res = await fetch(url, { method: "POST", body: bytes, headers: { "content-type": contentType } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe(contentType);
  const back = new Uint8Array(await res.arrayBuffer());
  expect(back.length).toBe(bytes.length);
  expect(Bun.hash(back)).toBe(Bun.hash(bytes));
}

/** The JSON lines among a process's output lines. */
export function jsonLines(lines: string[]): Record<string, unknown>[] {
  return lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
}
