// Every server keeps its port to itself: no SO_REUSEPORT, so a second process started on the
// port of a running one exits 1 with one line naming the port, and the first keeps all of the
// traffic (with reusePort the kernel would have split the connections between the two). An
// address the machine does not have is one line naming --host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { samplePath } from "../fixtures/guests";
import { CONTROL_TOKENS } from "../helpers/control-api";
import { controlArgs, startControlProcess, type ControlProcess } from "../helpers/control-process";
import { EDGE_TOKEN_ENV, edgeArgs, startEdgeProcess } from "../helpers/edge-process";
import { RUNNER_MAIN, startRunnerProcess } from "../helpers/runner-process";
import { runToExit, type ServerProcess } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";

const HELLO = samplePath("hello_world");

let control: ControlProcess;
let edge: ServerProcess;
let runner: ServerProcess;
beforeAll(async () => {
  control = await startControlProcess(tempDir("one-port-control-"));
  edge = await startEdgeProcess(control.url, tempDir("one-port-edge-"), "one-port-node");
  runner = await startRunnerProcess([HELLO, "--log-level", "warn"]);
}, 60_000);
afterAll(() => Promise.all([runner?.stop("SIGKILL"), edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

/** Runs a second server on a taken port; it must exit by itself. */
const secondOnPort = (argv: string[], env: Record<string, string> = {}) => runToExit(argv, env, 20_000);

/** Every one of `rounds` new connections is answered by `first` (its own /healthz says so). */
async function allServedBy(url: string, field: string, value: string, rounds = 40): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    const health = (await (await fetch(`${url}/healthz`, { headers: { connection: "close" } })).json()) as Record<
      string,
      unknown
    >;
    if (health[field] !== value) return false;
  }
  return true;
}

describe("a second process on a taken port exits 1 with one line naming the port", () => {
  test("control plane", async () => {
    const second = await secondOnPort(
      controlArgs(tempDir("one-port-control2-"), { port: control.port }),
      CONTROL_TOKENS,
    );
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      `control: cannot start: port ${control.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`,
    ]);
    expect(second.stdout).not.toContain("listening on");
    expect((await fetch(`${control.url}/healthz`)).status).toBe(200);
  }, 30_000);

  test("runner (single module)", async () => {
    const second = await secondOnPort([
      RUNNER_MAIN,
      HELLO,
      "--port",
      String(runner.port),
      "--host",
      "127.0.0.1",
      "--log-level",
      "warn",
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      `runner: cannot start: port ${runner.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`,
    ]);
    expect(await allServedBy(runner.url, "function", "hello-world")).toBe(true);
  }, 30_000);

  test("edge node", async () => {
    const second = await secondOnPort(
      [
        RUNNER_MAIN,
        ...edgeArgs(control.url, tempDir("one-port-edge2-"), "second-node", [
          "--port",
          String(edge.port),
          "--host",
          "127.0.0.1",
        ]),
      ],
      EDGE_TOKEN_ENV,
    );
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([
      `runner: cannot start the edge node: port ${edge.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`,
    ]);
    expect(await allServedBy(edge.url, "node_id", "one-port-node")).toBe(true);
  }, 30_000);
});

describe("an address that is not this machine's: exit 1 with one line naming --host", () => {
  // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): on no machine's interfaces.
  const line =
    "203.0.113.5 is not an address of this machine, so nothing can listen on it; choose another --host (0.0.0.0: every address)";
  test("control plane", async () => {
    const refused = await runToExit(
      [...controlArgs(tempDir("one-port-control3-")), "--host", "203.0.113.5"],
      CONTROL_TOKENS,
      20_000,
    );
    expect({ code: refused.code, stderr: refused.stderr.trim() }).toEqual({
      code: 1,
      stderr: `control: cannot start: ${line}`,
    });
  }, 30_000);

  test("runner", async () => {
    const refused = await runToExit([RUNNER_MAIN, HELLO, "--host", "203.0.113.5", "--port", "0"], {}, 20_000);
    expect({ code: refused.code, stderr: refused.stderr.trim() }).toEqual({
      code: 1,
      stderr: `runner: cannot start: ${line}`,
    });
  }, 30_000);
});
