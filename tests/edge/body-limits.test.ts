// A function's own body limit (max_body_bytes) on an edge node, as real processes: a request to
// a function past its limit gets 413 body_too_large, while another function on the same node
// accepts the larger body; the node's --max-body-bytes caps every function, whatever it asks for.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { guest } from "../fixtures/guests";
import { type ControlProcess, startControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import { tempDir } from "../helpers/temp-dir";
import { until } from "../helpers/until";
import { type ServerProcess } from "../helpers/server-process";

const NODE_LIMIT = 64 * 1024;
const SMALL_LIMIT = 1024;

let control: ControlProcess;
let edge: ServerProcess;
beforeAll(async () => {
  control = await startControlProcess(tempDir("body-limits-control-"));
  const functions = [
    { name: "small", routes: ["/small"], max_body_bytes: SMALL_LIMIT },
    { name: "large", routes: ["/large"], max_body_bytes: null },
    { name: "greedy", routes: ["/greedy"], max_body_bytes: 10 * NODE_LIMIT },
  ];
  for (const spec of functions) {
    const fn = await control.createFunction(spec);
    await control.upload(fn.id, guest("body-echo"));
  }
  edge = await startEdgeProcess(control.url, tempDir("body-limits-edge-"), "body-limits-node", [
    "--max-body-bytes",
    String(NODE_LIMIT),
  ]);
  await until("the node serves the three functions", async () => {
    const statuses = await Promise.all(functions.map(async (f) => (await fetch(`${edge.url}${f.routes[0]}`)).status));
    return statuses.every((s) => s === 200);
  });
}, 60_000);
afterAll(() => Promise.all([edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

async function post(
  path: string,
  bytes: number,
  chunked = false,
): Promise<{ status: number; code?: string; echoed?: number }> {
  const payload = new Uint8Array(bytes).fill(120);
  // A ReadableStream body goes out chunked, with no Content-Length: the limit applies while reading.
  const body = chunked ? new Blob([payload]).stream() : payload;
  const res = await fetch(`${edge.url}${path}`, { method: "POST", body });
  const text = await res.text();
  return res.status === 200
    ? { status: 200, echoed: text.length }
    : { status: res.status, code: (JSON.parse(text) as { error: { code: string } }).error.code };
}

test("a function's max_body_bytes is its limit: 413 past it, while another function on the node takes the larger body", async () => {
  expect(await post("/small", SMALL_LIMIT)).toEqual({ status: 200, echoed: SMALL_LIMIT });
  expect(await post("/small", SMALL_LIMIT + 1)).toEqual({ status: 413, code: "body_too_large" });
  expect(await post("/small", 4 * SMALL_LIMIT, true)).toEqual({ status: 413, code: "body_too_large" });
  expect(await post("/large", 4 * SMALL_LIMIT)).toEqual({ status: 200, echoed: 4 * SMALL_LIMIT });
  expect(await post("/large", 4 * SMALL_LIMIT, true)).toEqual({ status: 200, echoed: 4 * SMALL_LIMIT });
});

test("the node's --max-body-bytes caps every function: null means it, and a larger max_body_bytes does not lift it", async () => {
  expect(await post("/large", NODE_LIMIT)).toEqual({ status: 200, echoed: NODE_LIMIT });
  expect(await post("/large", NODE_LIMIT + 1)).toEqual({ status: 413, code: "body_too_large" });
  expect(await post("/greedy", NODE_LIMIT + 1)).toEqual({ status: 413, code: "body_too_large" });
  expect(await post("/greedy", 2 * NODE_LIMIT, true)).toEqual({ status: 413, code: "body_too_large" });
});

test("lowering a function's max_body_bytes reaches the node: the next large body is refused", async () => {
  const list = (await (await control.api("/api/v1/functions")).json()) as { functions: { id: string; name: string }[] };
  const large = list.functions.find((f) => f.name === "large")!;
  await control.patch(large.id, { max_body_bytes: 100 });
  await until("the node applies the new limit", async () => (await post("/large", 101)).status === 413);
  expect(await post("/large", 100)).toEqual({ status: 200, echoed: 100 });
});
