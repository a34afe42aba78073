// The health checks of the Dockerfile and compose.yaml, run as written (`bun -e SCRIPT`) against
// real servers, with only their address pointed at them: exit 0 while the program is ready, 1
// while it answers 503, refuses the connection, or does not answer within the check's bound.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { startControlProcess, type ControlProcess } from "../helpers/control-process";
import { startEdgeProcess } from "../helpers/edge-process";
import type { ServerProcess } from "../helpers/server-process";
import { cleanEnv } from "../helpers/server-process";
import { tempDir } from "../helpers/temp-dir";
import { compose, dockerfile, execForm } from "./deploy-files";

let control: ControlProcess;
let edge: ServerProcess;
let silent: Server;
let silentPort: number;
beforeAll(async () => {
  control = await startControlProcess(tempDir("health-checks-control-"));
  edge = await startEdgeProcess(control.url, tempDir("health-checks-edge-"), "health-checks-node");
  // Takes connections and never answers.
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
}, 30_000);
afterAll(async () => {
  silent?.close();
  await Promise.all([edge?.kill(), control?.kill()]);
});

/** Runs `bun -e script` with `env`; its exit code and how long it took. */
async function runCheck(command: string[], env: Record<string, string> = {}) {
  expect(command.slice(0, 2)).toEqual(["bun", "-e"]);
  const started = performance.now();
  const child = Bun.spawn(command, { env: cleanEnv(env), stdout: "ignore", stderr: "ignore" });
  const code = await child.exited;
  return { code, ms: performance.now() - started };
}

/** The compose script with its URL's host:port replaced by `target`'s. */
const pointed = (script: string, target: string) =>
  script.replace(/http:\/\/127\.0\.0\.1:\d+\//, `${target.replace(/\/$/, "")}/`);

async function composeChecks(): Promise<Record<string, string>> {
  const file = await compose();
  return Object.fromEntries(
    Object.entries(file.services).map(([name, service]) => {
      expect(service.healthcheck!.test.slice(0, 3)).toEqual(["CMD", "bun", "-e"]);
      return [name, service.healthcheck!.test[3]!];
    }),
  );
}

async function imageCheck(): Promise<string[]> {
  const check = (await dockerfile()).find(([keyword]) => keyword === "HEALTHCHECK")![1];
  return execForm(check.slice(check.indexOf("CMD")));
}

test("compose: each service's check passes against its ready program", async () => {
  const checks = await composeChecks();
  expect((await runCheck(["bun", "-e", pointed(checks.control!, control.url)])).code).toBe(0);
  for (const node of ["edge-1", "edge-2"])
    expect((await runCheck(["bun", "-e", pointed(checks[node]!, edge.url)])).code).toBe(0);
}, 30_000);

test("the image's check passes against either program through READYZ_URL", async () => {
  const command = await imageCheck();
  for (const server of [control, edge])
    expect((await runCheck(command, { READYZ_URL: `${server.url}/readyz` })).code).toBe(0);
}, 30_000);

test("both fail on a refused connection and on a server that never answers, within their bound", async () => {
  const checks = await composeChecks();
  const command = await imageCheck();
  const closed = "http://127.0.0.1:1";
  const hanging = `http://127.0.0.1:${silentPort}`;
  expect((await runCheck(["bun", "-e", pointed(checks.control!, closed)])).code).toBe(1);
  expect((await runCheck(command, { READYZ_URL: `${closed}/readyz` })).code).toBe(1);
  for (const run of [
    await runCheck(["bun", "-e", pointed(checks["edge-1"]!, hanging)]),
    await runCheck(command, { READYZ_URL: `${hanging}/readyz` }),
  ]) {
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(2_900); // the compose and Docker timeouts are 3 s
  }
}, 30_000);

test("both fail once the control plane answers 503 (its data dir removed under it)", async () => {
  const checks = await composeChecks();
  const command = await imageCheck();
  rmSync(control.dataDir, { recursive: true, force: true });
  expect((await fetch(`${control.url}/readyz`)).status).toBe(503);
  expect((await runCheck(["bun", "-e", pointed(checks.control!, control.url)])).code).toBe(1);
  expect((await runCheck(command, { READYZ_URL: `${control.url}/readyz` })).code).toBe(1);
}, 30_000);
