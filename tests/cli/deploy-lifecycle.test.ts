// A function's life through the CLI against a control plane and two edge nodes (real
// processes): an unchanged redeploy changes nothing and says so, a changed one makes v2, rollback
// goes back (and forth), delete --yes removes it everywhere; refusals exit 1 with the reason on
// one line; --timeout names the node that did not apply; the token never appears.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TOKEN } from "../helpers/control-api";
import { runCli } from "../helpers/cli-process";
import { tempDir } from "../helpers/temp-dir";
import { appliedRevisions, startCluster, type Cluster } from "./cluster";

let cluster: Cluster;
const dir = join(tempDir("edge-cli-life-"), "life");
const revision = async () =>
  ((await (await cluster.control.fetch("/healthz")).json()) as { revision: number }).revision;
const served = async (path = "/life") =>
  Promise.all(cluster.nodes.map(async (node) => (await fetch(node.url + path)).text()));
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(join(dir, file), "utf8");
  if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
  writeFileSync(join(dir, file), text.replace(from, to));
}

beforeAll(async () => {
  cluster = await startCluster();
  expect((await runCli(["init", "--template", "c", dir])).code).toBe(0);
  const first = await cluster.edge(["deploy", dir]);
  if (first.code !== 0) throw new Error(first.stderr);
}, 60_000);
afterAll(() => cluster?.stop());

describe("deploy, redeploy, rollback, delete", () => {
  test("an unchanged redeploy makes no version and no revision, and says unchanged", async () => {
    const before = await revision();
    const run = await cluster.edge(["deploy", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("life: unchanged (v1 is active with these bytes and settings)");
    expect(run.stdout).not.toContain("building");
    expect(await revision()).toBe(before);
    const versions = JSON.parse((await cluster.edge(["versions", "life", "--json"])).stdout);
    expect(versions.versions).toHaveLength(1);
  }, 30_000);

  test("a changed source is rebuilt (older module) and deployed as v2 on both nodes", async () => {
    edit("hello.c", 'HELLO[] = "Hello, World!"', 'HELLO[] = "Hello, v2!!!!"');
    const run = await cluster.edge(["deploy", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("building life: sh build.sh (hello.c is newer than hello.wasm)");
    expect(run.stdout).toContain("life: settings unchanged; v2 uploaded from");
    expect(appliedRevisions(run.stdout).size).toBe(2);
    expect(await served()).toEqual(["Hello, v2!!!!", "Hello, v2!!!!"]);
  }, 30_000);

  test("a settings change alone updates the function and keeps the version", async () => {
    edit("edgebase.toml", "max_execution_ms = 500", "max_execution_ms = 750");
    const run = await cluster.edge(["deploy", dir, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      changed: true,
      settings_changed: true,
      version: 2,
      version_created: false,
    });
    expect(JSON.parse((await cluster.edge(["info", "life", "--json"])).stdout).max_execution_ms).toBe(750);
  }, 30_000);

  test("rollback goes to the previous version, rollback 2 comes back; both wait for the nodes", async () => {
    const back = await cluster.edge(["rollback", "life"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toContain("life: v1 active (was v2)");
    expect(appliedRevisions(back.stdout).size).toBe(2);
    expect(await served()).toEqual(["Hello, World!", "Hello, World!"]);
    const forth = await cluster.edge(["rollback", "life", "2"]);
    expect(forth.code, forth.stderr).toBe(0);
    expect(await served()).toEqual(["Hello, v2!!!!", "Hello, v2!!!!"]);
    const none = await cluster.edge(["rollback", "life", "7"]);
    expect(none).toMatchObject({
      code: 1,
      stderr: "edge rollback: life has no version 7 (edge versions life lists them)\n",
    });
  }, 30_000);

  test("--timeout: a node that does not apply in time is named, exit 1", async () => {
    const [, stuck] = cluster.nodes;
    process.kill(stuck!.pid, "SIGSTOP"); // its socket stays open: connected, but applying nothing
    try {
      edit("edgebase.toml", "max_execution_ms = 750", "max_execution_ms = 800");
      const run = await cluster.edge(["deploy", dir, "--timeout", "1.5"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^ {2}node-a: revision \d+ applied/m);
      expect(run.stderr).toMatch(
        /^edge deploy: revision \d+ is not live on 1 of 2 node\(s\): node-b \(at revision \d+ after 1.5 s\)$/m,
      );
    } finally {
      process.kill(stuck!.pid, "SIGCONT");
    }
  }, 30_000);

  test("--no-wait returns once the control plane has the change", async () => {
    edit("edgebase.toml", "max_execution_ms = 800", "max_execution_ms = 900");
    const run = await cluster.edge(["deploy", dir, "--no-wait"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("not waiting for the edge nodes (--no-wait)");
    expect(appliedRevisions(run.stdout).size).toBe(0);
  }, 30_000);

  test("delete --yes removes it: gone from the list, 404 on both nodes", async () => {
    const run = await cluster.edge(["delete", "life", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("life: deleted");
    expect(appliedRevisions(run.stdout).size).toBe(2);
    expect((await cluster.edge(["list"])).stdout).not.toContain("life");
    for (const node of cluster.nodes) expect((await fetch(`${node.url}/life`)).status).toBe(404);
    const again = await cluster.edge(["info", "life"]);
    expect(again).toMatchObject({ code: 1, stderr: `edge info: no function named life on ${cluster.control.url}\n` });
  }, 30_000);
});

describe("refusals exit 1 with the reason on one line", () => {
  test("a module the pipeline refuses: nothing reaches the control plane", async () => {
    const tight = join(tempDir("edge-cli-tight-"), "tight");
    expect((await runCli(["init", "--template", "rust-wasi", tight])).code).toBe(0);
    const manifest = join(tight, "edgebase.toml");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("memory_pages = 128", "memory_pages = 16"));
    const run = await cluster.edge(["deploy", tight]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^edge deploy: module rejected: memory_too_large: .+$/m);
    expect((await cluster.edge(["info", "tight"])).code).toBe(1);
  }, 30_000);

  test("the server's refusal: routes taken by another function (409 route_conflict)", async () => {
    const a = join(tempDir("edge-cli-conflict-"), "first");
    const b = join(tempDir("edge-cli-conflict-"), "second");
    for (const folder of [a, b]) expect((await runCli(["init", "--template", "c", folder])).code).toBe(0);
    writeFileSync(
      join(b, "edgebase.toml"),
      readFileSync(join(b, "edgebase.toml"), "utf8").replaceAll('"/second', '"/first'),
    );
    expect((await cluster.edge(["deploy", a])).code).toBe(0);
    const run = await cluster.edge(["deploy", b]);
    expect(run.code).toBe(1);
    const reason = run.stderr.trim().split("\n").at(-1)!;
    expect(reason).toMatch(/^edge deploy: route_conflict: .*\(HTTP 409\)$/);
  }, 30_000);

  test("the token appears in no output", () => {
    for (const output of cluster.outputs) expect(output).not.toContain(TOKEN);
  });
});
