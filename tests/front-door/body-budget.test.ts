// The node-wide budget for request bodies in flight (--max-body-bytes-in-flight), on a real
// runner process: a declared Content-Length is taken from it at once, so a body that cannot fit
// gets 503 body_budget (Retry-After, error shape) before a byte of it is sent; a chunked body is
// counted as it arrives; what a request took comes back when its invocation ends.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LIMITS } from "../../core/contract";
import { sample } from "../helpers/metrics-text";
import { rawSend } from "../helpers/raw-http";
import { rawClient, write, type RawClient } from "../helpers/raw-socket";
import { runRunnerToExit, startRunnerProcess } from "../helpers/runner-process";
import type { ServerProcess } from "../helpers/server-process";
import { until } from "../helpers/until";
import { samplePath } from "../fixtures/guests";

const KiB = 1024;
const MAX_BODY = 256 * KiB;
const BUDGET = 4 * MAX_BODY;

let runner: ServerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess([
    samplePath("hello_world"),
    "--max-body-bytes",
    String(MAX_BODY),
    "--max-body-bytes-in-flight",
    String(BUDGET),
    "--log-level",
    "warn",
  ]);
});
afterAll(() => runner?.stop("SIGKILL"));

/** A POST that declares `length` bytes and sends `first` of them now; the rest with finish(). */
async function heldPost(length: number, first: number): Promise<{ client: RawClient; finish(): Promise<string> }> {
  const client = await rawClient(runner.url);
  await write(client, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`);
  await write(client, new Uint8Array(first));
  return {
    client,
    async finish() {
      await write(client, new Uint8Array(length - first));
      await client.closed;
      return client.text();
    },
  };
}

const statusOf = (reply: string) => Number(reply.split(" ")[1]);
const inFlight = async () =>
  sample(await (await fetch(`${runner.url}/metrics`)).text(), "wasm_request_body_bytes_in_flight");

test("bodies that do not fit the budget get 503 body_budget at once; they fit again once the invocations end", async () => {
  // Three and a half bodies of MAX_BODY, declared with 1 byte of each sent, hold 7/8 of the budget.
  const held = await Promise.all([MAX_BODY, MAX_BODY, MAX_BODY, MAX_BODY / 2].map((length) => heldPost(length, 1)));
  await until("the declared bodies are held", async () => (await inFlight()) === 3.5 * MAX_BODY);

  // A fifth declares MAX_BODY and sends nothing of it: refused on its head alone.
  const refused = await rawSend(runner.url, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY}\r\n\r\n`, 5_000);
  expect(refused.ended).toBe("closed");
  expect(refused.statuses).toEqual([503]);
  expect(refused.raw.toLowerCase()).toContain("\r\nretry-after: 1\r\n");
  expect(refused.raw.toLowerCase()).toContain("\r\nconnection: close\r\n");
  expect(JSON.parse(refused.body).error.code).toBe("body_budget");

  // A body without a Content-Length is counted as it arrives: it streams into the half body
  // left, and is refused there, before its own size limit.
  const chunked = await rawClient(runner.url);
  await write(chunked, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  const CHUNK = 16 * KiB;
  let sent = 0;
  while (chunked.received() === 0 && sent < 2 * MAX_BODY) {
    await write(chunked, `${CHUNK.toString(16)}\r\n${"y".repeat(CHUNK)}\r\n`);
    sent += CHUNK;
    await Bun.sleep(5);
  }
  await Promise.race([chunked.closed, Bun.sleep(2_000)]);
  chunked.socket.destroy();
  expect(statusOf(chunked.text())).toBe(503);
  expect(sent).toBeGreaterThan(MAX_BODY / 2);
  expect(sent).toBeLessThan(MAX_BODY);

  // Requests without a body need none of it.
  expect((await fetch(`${runner.url}/`)).status).toBe(200);

  // The held bodies complete and run; each gives its bytes back, so full-size bodies fit again.
  const answers = await Promise.all(held.map((h) => h.finish()));
  expect(answers.map(statusOf)).toEqual([200, 200, 200, 200]);
  await until("every body's bytes are given back", async () => (await inFlight()) === 0);
  const again = await Promise.all(
    Array.from({ length: 4 }, () => fetch(`${runner.url}/`, { method: "POST", body: new Uint8Array(MAX_BODY) })),
  );
  expect(again.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(await inFlight()).toBe(0);
});

test("a body over --max-body-bytes is still a 413, whatever the budget holds", async () => {
  const reply = await rawSend(
    runner.url,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`,
    5_000,
  );
  expect(reply.statuses).toEqual([413]);
  expect(JSON.parse(reply.body).error.code).toBe("body_too_large");
});

test("the budget cannot be set below --max-body-bytes", async () => {
  const exit = await runRunnerToExit([
    samplePath("hello_world"),
    "--max-body-bytes",
    "2048",
    "--max-body-bytes-in-flight",
    "1024",
  ]);
  expect(exit.code).toBe(1);
  expect(exit.stderr.trim()).toBe(
    "runner: invalid --max-body-bytes-in-flight: 1024 is less than --max-body-bytes (2048); a body the node accepts must fit (see --help)",
  );
});

test("the budget's default is 1/32 of the memory, never below --max-body-bytes; the flag and EDGE_RUNNER_MAX_BODY_BYTES_IN_FLIGHT set it", async () => {
  const { loadConfig } = await import("../../runner/config");
  const { totalmem } = await import("node:os");
  const budgetOf = (argv: string[], env: Record<string, string> = {}) => {
    const loaded = loadConfig(["m.wasm", ...argv], env);
    if (loaded.ok !== true) throw new Error(JSON.stringify(loaded));
    return loaded.config.maxBodyBytesInFlight;
  };
  const constrained = process.constrainedMemory?.() ?? 0;
  const memory = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
  expect(budgetOf([])).toBe(Math.max(10 * 1024 * 1024, Math.floor(memory / 32)));
  // A --max-body-bytes above the default budget (as large as the contract allows) raises it.
  const large = Math.min(memory, LIMITS.maxBodyBytes.maximum);
  expect(budgetOf(["--max-body-bytes", String(large)])).toBe(Math.max(large, Math.floor(memory / 32)));
  expect(budgetOf([], { EDGE_RUNNER_MAX_BODY_BYTES_IN_FLIGHT: "20000000" })).toBe(20_000_000);
  expect(
    budgetOf(["--max-body-bytes-in-flight", "30000000"], { EDGE_RUNNER_MAX_BODY_BYTES_IN_FLIGHT: "20000000" }),
  ).toBe(30_000_000);
});
