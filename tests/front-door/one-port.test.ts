// Every server keeps its port to itself: no SO_REUSEPORT, so a second process started on the
// port of a running one exits 1 with one line naming the port, and the first keeps all of the
// traffic (with reusePort the kernel would have split the connections between the two).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { READ_TOKEN, REPO_ROOT, TOKEN, startControl, startEdge, startRunner, tempDir, type ControlProc, type Proc } from "../reliability/helpers/processes";

const HELLO = join(REPO_ROOT, "build", "hello_world.wasm");

let control: ControlProc;
let edge: Proc;
let runner: Proc;
beforeAll(async () => {
  control = await startControl(tempDir("one-port-control-"));
  edge = await startEdge(control.url, tempDir("one-port-edge-"), "one-port-node");
  runner = await startRunner([HELLO, "--log-level", "warn"]);
}, 60_000);
afterAll(() => Promise.all([runner?.stop("SIGKILL"), edge?.stop("SIGKILL"), control?.stop("SIGKILL")]));

/** Runs a second server on a taken port; it must exit by itself. */
async function secondOnPort(argv: string[], tokens: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("EDGE_"))), ...tokens };
  const child = Bun.spawn(["bun", ...argv], { cwd: REPO_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe", env });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()]);
  clearTimeout(timer);
  return { code: child.signalCode ? null : code, stdout, stderr };
}

/** Every one of `rounds` new connections is answered by `first` (its own /healthz says so). */
async function allServedBy(url: string, field: string, value: string, rounds = 40): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    const health = (await (await fetch(`${url}/healthz`, { headers: { connection: "close" } })).json()) as Record<string, unknown>;
    if (health[field] !== value) return false;
  }
  return true;
}

describe("a second process on a taken port exits 1 with one line naming the port", () => {
  test("control plane", async () => {
    const second = await secondOnPort([join(REPO_ROOT, "control", "main.ts"), "--port", String(control.port), "--host", "127.0.0.1", "--data-dir", tempDir("one-port-control2-"), "--log-level", "warn"], { EDGE_CONTROL_TOKEN: TOKEN, EDGE_CONTROL_READ_TOKEN: READ_TOKEN });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([`control: cannot start: port ${control.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`]);
    expect(second.stdout).not.toContain("listening on");
    expect((await fetch(`${control.url}/healthz`)).status).toBe(200);
  }, 30_000);

  test("runner (single module)", async () => {
    const second = await secondOnPort([join(REPO_ROOT, "runner", "main.ts"), HELLO, "--port", String(runner.port), "--host", "127.0.0.1", "--log-level", "warn"]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([`runner: cannot start: port ${runner.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`]);
    expect(await allServedBy(runner.url, "function", "hello-world")).toBe(true);
  }, 30_000);

  test("edge node", async () => {
    const second = await secondOnPort([join(REPO_ROOT, "runner", "main.ts"), "--control-plane", control.url, "--cache-dir", tempDir("one-port-edge2-"), "--node-id", "second-node", "--port", String(edge.port), "--host", "127.0.0.1", "--log-level", "warn"], { EDGE_RUNNER_TOKEN: READ_TOKEN });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split("\n")).toEqual([`runner: cannot start the edge node: port ${edge.port} on 127.0.0.1 is already in use by another process; stop it or choose another --port`]);
    expect(await allServedBy(edge.url, "node_id", "one-port-node")).toBe(true);
  }, 30_000);
});
